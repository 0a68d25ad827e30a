//! Where in a listing something is: byte offsets become `file:line:column`
//! only when an error is reported, so the parser's hot path never counts lines.

use super::Error;

/// One listing document's text and the name it is reported under.
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    /// The listing as the user named it (path or URL).
    pub name: &'a str,
    pub text: &'a str,
}

impl Doc<'_> {
    /// `name:line:column` of a byte offset (1-based; the column counts characters).
    pub fn location(&self, at: usize) -> String {
        let (line, column) = crate::xml::line_column(self.text, at);
        format!("{}:{line}:{column}", self.name)
    }

    /// An `Error::Invalid` located at a byte offset.
    pub fn invalid(&self, at: usize, element: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            location: self.location(at),
            element: element.to_string(),
            message: message.into(),
        }
    }
}
