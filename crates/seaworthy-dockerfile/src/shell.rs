//! RUN script analysis on a real shell parser.
