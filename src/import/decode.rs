//! Text files in the encodings spreadsheet programs save: the `charset` the request names wins;
//! otherwise a byte-order mark says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8, and
//! anything else is GB18030 (which contains GBK), what Excel and WPS write on Chinese Windows.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030};

use super::ImportError;
use crate::domain::mode::truncate_for_message;

/// The text of `body`, decoded as the request's `charset` or as detected.
pub fn text<'a>(body: &'a [u8], charset: Option<&str>) -> Result<Cow<'a, str>, ImportError> {
    if let Some(label) = charset {
        let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            ImportError::UnsupportedCharset(format!(
                "the charset `{}` is not one this service reads; send UTF-8, UTF-16 or GB18030",
                truncate_for_message(label)
            ))
        })?;
        let (body, _) = strip_bom(body, encoding);
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or_else(|| not_text(encoding.name()));
    }
    if let Some((encoding, bom_length)) = Encoding::for_bom(body) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&body[bom_length..])
            .ok_or_else(|| not_text(encoding.name()));
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => GB18030
            .decode_without_bom_handling_and_without_replacement(body)
            .ok_or_else(|| not_text("UTF-8 or GB18030")),
    }
}

/// `body` without the byte-order mark of `encoding`, if it starts with one.
fn strip_bom<'a>(body: &'a [u8], encoding: &'static Encoding) -> (&'a [u8], bool) {
    match Encoding::for_bom(body) {
        Some((found, length)) if found == encoding => (&body[length..], true),
        _ => (body, false),
    }
}

fn not_text(encoding: &str) -> ImportError {
    ImportError::malformed(
        format!(
            "the file is not {encoding} text: save it as CSV (UTF-8), or as XLSX, and upload that"
        ),
        "",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHINESE: &str = "参与者,日期\n张三,2026/6/3\n";

    #[test]
    fn utf8_with_or_without_a_bom_utf16_and_gb18030_all_read_the_same() {
        let gb = GB18030.encode(CHINESE).0.into_owned();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(CHINESE.encode_utf16().flat_map(u16::to_le_bytes));
        let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
        utf8_bom.extend_from_slice(CHINESE.as_bytes());
        for body in [CHINESE.as_bytes().to_vec(), utf8_bom, utf16, gb.clone()] {
            assert_eq!(text(&body, None).unwrap(), CHINESE);
        }
        assert_eq!(text(&gb, Some("GBK")).unwrap(), CHINESE);
    }

    #[test]
    fn a_named_charset_wins_and_an_unknown_one_is_refused() {
        assert!(matches!(
            text(b"a,b", Some("klingon")),
            Err(ImportError::UnsupportedCharset(_))
        ));
        // Bytes that are not UTF-8, read as UTF-8 because the request says so: refused.
        assert!(matches!(
            text(b"\xFF\xFE\xFD", Some("utf-8")),
            Err(ImportError::Malformed { .. })
        ));
    }
}
