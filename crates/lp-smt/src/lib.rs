//! The SMT discharger (being written).
