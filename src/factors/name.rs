//! How names people type are compared: mode ids, labels and aliases, and spreadsheet headers.

/// The brackets a name may carry that do not change what it means: `出租车（网约车）` and
/// `出租车网约车`, `Car (fuel unknown)` and `car fuel unknown` are the same name.
const BRACKETS: [char; 8] = ['(', ')', '（', '）', '[', ']', '【', '】'];

/// A name in the form names are compared in: lowercase, without whitespace (including the
/// full-width space) and without the brackets `( ) （ ） [ ] 【 】`. Everything else is kept,
/// so `e-bike` and `ebike` stay different names.
///
/// This is the one normalization of the contract (api.md, "Spreadsheets as people save
/// them"): header names and mode names are both compared through it.
pub fn normalize_name(text: &str) -> String {
    let mut normalized = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() || BRACKETS.contains(&c) {
            continue;
        }
        if c.is_ascii() {
            normalized.push(c.to_ascii_lowercase());
        } else {
            normalized.extend(c.to_lowercase());
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn case_spaces_and_brackets_do_not_count() {
        for (written, normalized) in [
            ("Metro", "metro"),
            ("  METRO ", "metro"),
            ("Light rail / tram", "lightrail/tram"),
            ("Car (fuel unknown)", "carfuelunknown"),
            ("小汽车（燃料未知）", "小汽车燃料未知"),
            ("【班车】", "班车"),
            ("[WFH]", "wfh"),
            ("通勤\u{3000}班车", "通勤班车"),
            ("work\tfrom\u{a0}home", "workfromhome"),
            ("ÉCOLE", "école"),
        ] {
            assert_eq!(normalize_name(written), normalized, "{written:?}");
        }
    }

    #[test]
    fn other_punctuation_is_kept() {
        assert_eq!(normalize_name("E-bike"), "e-bike");
        assert_ne!(normalize_name("e-bike"), normalize_name("ebike"));
        assert_eq!(normalize_name("e_bike"), "e_bike");
        assert_eq!(normalize_name("大巴/班车"), "大巴/班车");
    }

    #[test]
    fn a_name_of_only_brackets_and_spaces_is_empty() {
        assert_eq!(normalize_name(" （ ） "), "");
        assert_eq!(normalize_name(""), "");
    }
}
