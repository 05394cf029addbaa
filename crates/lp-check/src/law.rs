//! Goals for the property-test discharger: algebraic laws over generated values. (Being written.)

/// A law to test.
#[derive(Debug, Clone)]
pub struct LawGoal {
    pub text: String,
}

impl LawGoal {
    /// The span-free canonical form, hashed into the obligation's digest.
    pub fn canonical(&self) -> String {
        self.text.clone()
    }
}
