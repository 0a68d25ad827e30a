//! Support package
