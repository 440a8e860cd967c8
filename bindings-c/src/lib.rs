//! C binding (issue 4). Placeholder crate so the workspace builds.
