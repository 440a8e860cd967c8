//! Spec conformance suite (issue 7).
