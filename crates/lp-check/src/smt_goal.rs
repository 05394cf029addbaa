//! Goals for the SMT discharger, described in IR terms. (Being written.)

/// A formula to decide.
#[derive(Debug, Clone)]
pub struct SmtGoal {
    pub text: String,
}

impl SmtGoal {
    /// The span-free canonical form, hashed into the obligation's digest.
    pub fn canonical(&self) -> String {
        self.text.clone()
    }
}
