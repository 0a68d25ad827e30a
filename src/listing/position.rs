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
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let doc = Doc {
            name: "x.pl.xml",
            text: "ab\nçd<e/>\n",
        };
        assert_eq!(doc.location(0), "x.pl.xml:1:1");
        assert_eq!(doc.location(3), "x.pl.xml:2:1");
        // 'ç' is two bytes, one column.
        assert_eq!(doc.location(6), "x.pl.xml:2:3");
        // An offset inside a character points at that character.
        assert_eq!(doc.location(4), "x.pl.xml:2:1");
    }
}
