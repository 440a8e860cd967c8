//! OpenAI client core.
