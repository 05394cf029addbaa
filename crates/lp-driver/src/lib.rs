//! The build session. (Being written.)
