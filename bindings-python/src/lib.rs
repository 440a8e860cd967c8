//! Python binding (issue 3). Placeholder crate so the workspace builds.
