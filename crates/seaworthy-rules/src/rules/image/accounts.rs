//! The image's accounts (/etc/passwd, /etc/group) and who `Config.User` means.

/// One line of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub password: String,
    pub uid: u64,
    pub gid: u64,
    /// 1-based line in the file.
    pub line: usize,
}

/// One line of /etc/group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u64,
    pub members: Vec<String>,
    pub line: usize,
}

/// What the image's account files say (empty when it has none, as `FROM scratch` images).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub passwd: Vec<PasswdEntry>,
    pub groups: Vec<GroupEntry>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        (!l.trim().is_empty() && !l.starts_with('#')).then(|| (i + 1, l.split(':').collect()))
    })
}

pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    lines(text)
        .filter_map(|(line, f)| {
            Some(PasswdEntry {
                name: f.first()?.to_string(),
                password: f.get(1).unwrap_or(&"").to_string(),
                uid: f.get(2)?.trim().parse().ok()?,
                gid: f.get(3)?.trim().parse().ok()?,
                line,
            })
        })
        .collect()
}

pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    lines(text)
        .filter_map(|(line, f)| {
            Some(GroupEntry {
                name: f.first()?.to_string(),
                gid: f.get(2)?.trim().parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
                line,
            })
        })
        .collect()
}

/// `(name, password field, line)` of /etc/shadow.
pub fn parse_shadow(text: &str) -> Vec<(String, String, usize)> {
    lines(text)
        .filter_map(|(line, f)| Some((f.first()?.to_string(), f.get(1)?.to_string(), line)))
        .collect()
}

/// Who a container of the image runs as, from `Config.User` (`""`, `app`, `1000`, `1000:1000`,
/// `app:staff`) and the image's account files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeUser {
    pub raw: String,
    /// Resolved; `None` when a name is not in /etc/passwd.
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    /// Supplementary groups from /etc/group.
    pub groups: Vec<u64>,
}

impl RuntimeUser {
    pub fn of(raw: &str, accounts: &Accounts) -> RuntimeUser {
        let raw = raw.trim();
        let (user, group) = match raw.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (raw, None),
        };
        let entry = if user.is_empty() {
            None
        } else if let Ok(uid) = user.parse::<u64>() {
            accounts.passwd.iter().find(|e| e.uid == uid)
        } else {
            accounts.passwd.iter().find(|e| e.name == user)
        };
        let uid = if user.is_empty() {
            Some(0)
        } else {
            user.parse::<u64>().ok().or(entry.map(|e| e.uid))
        };
        let gid = match group {
            Some(g) => g
                .parse::<u64>()
                .ok()
                .or_else(|| accounts.groups.iter().find(|e| e.name == g).map(|e| e.gid)),
            None => entry.map(|e| e.gid).or(uid.filter(|&u| u == 0)),
        };
        let groups = match entry {
            Some(e) if group.is_none() => accounts
                .groups
                .iter()
                .filter(|g| g.members.contains(&e.name))
                .map(|g| g.gid)
                .collect(),
            _ => Vec::new(),
        };
        RuntimeUser {
            raw: raw.to_string(),
            uid,
            gid,
            groups,
        }
    }

    pub fn is_root(&self) -> bool {
        self.uid == Some(0)
    }

    /// Whether this user may write to a directory with this owner and mode.
    pub fn can_write(&self, mode: u32, uid: u64, gid: u64) -> bool {
        if self.is_root() || mode & 0o002 != 0 {
            return true;
        }
        if self.uid == Some(uid) && mode & 0o200 != 0 {
            return true;
        }
        let in_group = self.gid == Some(gid) || self.groups.contains(&gid);
        in_group && mode & 0o020 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts {
            passwd: parse_passwd(
                "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000::/home/app:/bin/sh\nbroken\n",
            ),
            groups: parse_group("root:x:0:\napp:x:1000:\nstaff:x:50:app,other\n"),
        }
    }

    #[test]
    fn users_resolve() {
        let a = accounts();
        assert_eq!(a.passwd.len(), 2);
        assert_eq!(a.passwd[1].line, 3);
        assert!(RuntimeUser::of("", &a).is_root());
        assert!(RuntimeUser::of("root", &a).is_root());
        assert!(RuntimeUser::of("0:0", &a).is_root());
        let app = RuntimeUser::of("app", &a);
        assert_eq!(
            (app.uid, app.gid, app.groups.clone()),
            (Some(1000), Some(1000), vec![50])
        );
        let numeric = RuntimeUser::of("1000:50", &a);
        assert_eq!((numeric.uid, numeric.gid), (Some(1000), Some(50)));
        let unknown = RuntimeUser::of("nobody", &a);
        assert_eq!(unknown.uid, None);
        assert!(!unknown.is_root());
    }

    #[test]
    fn write_permission() {
        let a = accounts();
        let app = RuntimeUser::of("app", &a);
        assert!(app.can_write(0o755, 1000, 0));
        assert!(!app.can_write(0o755, 0, 0));
        assert!(app.can_write(0o775, 0, 50));
        assert!(app.can_write(0o777, 0, 0));
        assert!(!app.can_write(0o555, 1000, 1000));
        assert!(RuntimeUser::of("0", &a).can_write(0o500, 5, 5));
    }
}
