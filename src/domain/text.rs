//! Display texts people give (names, cities, descriptions): bounded, and free of the control
//! characters that break pages, logs, spreadsheets and PostgreSQL (which refuses U+0000).

/// What a display text must be.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// Longest accepted text, in characters.
    pub max_chars: usize,
    /// Whether a blank text is refused.
    pub required: bool,
    /// Whether line breaks and tabs are allowed (descriptions); never any other control character.
    pub multiline: bool,
}

impl TextRule {
    /// A one-line name of at most `max_chars` characters, which must not be blank.
    pub const fn name(max_chars: usize) -> Self {
        Self {
            max_chars,
            required: true,
            multiline: false,
        }
    }

    /// Why `text` breaks the rule, if it does.
    pub fn check(self, text: &str) -> Result<(), String> {
        let length = text.chars().count();
        if self.required && text.trim().is_empty() {
            return Err("must not be empty".into());
        }
        if length > self.max_chars {
            return Err(format!(
                "must be at most {} characters, got {length}",
                self.max_chars
            ));
        }
        let allowed = |c: char| self.multiline && matches!(c, '\n' | '\r' | '\t');
        if let Some(c) = text.chars().find(|&c| c.is_control() && !allowed(c)) {
            return Err(format!(
                "must not contain control characters (found U+{:04X})",
                u32::from(c)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_blanks_lengths_and_control_characters() {
        let rule = TextRule::name(10);
        assert!(rule.check("Sunrise 朝阳").is_ok());
        assert!(rule.check("  ").is_err());
        assert!(rule.check("12345678901").is_err());
        for bad in ["a\u{0}b", "a\nb", "tab\there", "bell\u{7}", "del\u{7f}"] {
            assert!(rule.check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_may_break_lines_but_not_hold_other_controls() {
        let rule = TextRule {
            max_chars: 100,
            required: false,
            multiline: true,
        };
        assert!(rule.check("").is_ok());
        assert!(rule.check("line one\nline two\r\n\tindented").is_ok());
        assert!(rule.check("nul \u{0}").is_err());
    }
}
