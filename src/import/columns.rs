//! The header row: which column holds which trip field, by name in English or Chinese, matched
//! without case, spaces, brackets or underscores; other columns are ignored.

use crate::domain::mode::truncate_for_message;
use crate::domain::FieldErrors;

/// A trip field a spreadsheet column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The organization's id for the member.
    Participant,
    /// The day.
    Date,
    /// Which way.
    Direction,
    /// The mode.
    Mode,
    /// The one-way distance, km.
    DistanceKm,
    /// Travellers sharing a car.
    Passengers,
    /// The member's usual mode.
    BaselineMode,
}

impl Column {
    /// Every column, required ones first.
    pub const ALL: [Column; 7] = [
        Self::Participant,
        Self::Date,
        Self::Direction,
        Self::Mode,
        Self::DistanceKm,
        Self::Passengers,
        Self::BaselineMode,
    ];

    /// The trip field, as JSON and error paths name it.
    pub fn field(self) -> &'static str {
        match self {
            Self::Participant => "participant",
            Self::Date => "date",
            Self::Direction => "direction",
            Self::Mode => "mode",
            Self::DistanceKm => "distance_km",
            Self::Passengers => "passengers",
            Self::BaselineMode => "baseline_mode",
        }
    }

    /// The Chinese header a template writes.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Participant => "参与者",
            Self::Date => "日期",
            Self::Direction => "方向",
            Self::Mode => "出行方式",
            Self::DistanceKm => "距离（公里）",
            Self::Passengers => "乘车人数",
            Self::BaselineMode => "原出行方式",
        }
    }

    /// Whether every upload must have the column.
    pub fn is_required(self) -> bool {
        !matches!(self, Self::Passengers | Self::BaselineMode)
    }

    /// The header names that mean this column, normalized (see [`normalize`]).
    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Participant => &[
                "participant",
                "参与者",
                "参与人",
                "员工编号",
                "编号",
                "工号",
            ],
            Self::Date => &["date", "日期"],
            Self::Direction => &["direction", "方向"],
            Self::Mode => &["mode", "出行方式", "交通方式", "方式"],
            Self::DistanceKm => &[
                "distancekm",
                "distance",
                "距离",
                "距离公里",
                "距离km",
                "公里数",
                "里程",
            ],
            Self::Passengers => &["passengers", "乘车人数", "人数"],
            Self::BaselineMode => &["baselinemode", "baseline", "原出行方式", "基准方式"],
        }
    }
}

/// A header name as it is matched: lowercase, without spaces, brackets, underscores or hyphens
/// (`Distance (km)`, `distance_km` and `距离（公里）`'s forms all meet).
pub fn normalize(name: &str) -> String {
    crate::factors::normalize_name(name.trim_start_matches('\u{feff}'))
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .collect()
}

/// The column of a header name, if it names one.
fn column_of(name: &str) -> Option<Column> {
    let name = normalize(name);
    Column::ALL
        .into_iter()
        .find(|column| column.names().contains(&name.as_str()))
}

/// Where each column stands in the header row.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    index: [Option<usize>; Column::ALL.len()],
}

impl Columns {
    /// The position of `column` in the header row, if the header has it.
    pub fn index(&self, column: Column) -> Option<usize> {
        self.index[column as usize]
    }

    /// The columns found, with their positions.
    pub fn found(&self) -> impl Iterator<Item = (Column, usize)> + '_ {
        Column::ALL
            .into_iter()
            .filter_map(|column| self.index(column).map(|i| (column, i)))
    }
}

/// The columns of a header row and the names of the columns it ignores, or every problem with
/// it (a required column missing, one named twice).
pub fn find(header: &[String]) -> Result<(Columns, Vec<String>), FieldErrors> {
    let mut columns = Columns::default();
    let mut ignored = Vec::new();
    let mut errors = FieldErrors::default();
    for (position, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        match column_of(name) {
            Some(column) => match columns.index[column as usize] {
                None => columns.index[column as usize] = Some(position),
                Some(first) => errors.push(
                    "",
                    format!(
                        "`{}` and `{}` both name the column `{}`",
                        truncate_for_message(&header[first]),
                        truncate_for_message(name),
                        column.field()
                    ),
                ),
            },
            None if name.is_empty() => {}
            None => ignored.push(name.to_owned()),
        }
    }
    for column in Column::ALL.into_iter().filter(|c| c.is_required()) {
        if columns.index(column).is_none() {
            errors.push(
                "",
                format!(
                    "the header row must name the column `{}` ({})",
                    column.field(),
                    column.chinese()
                ),
            );
        }
    }
    errors.into_result((columns, ignored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn headers_are_found_in_english_or_chinese_whatever_their_spelling() {
        let (columns, ignored) = find(&header(&[
            "姓名",
            "工号",
            "日期",
            "方向",
            "交通方式",
            "距离（公里）",
            "部门",
            "Passengers",
            "Baseline Mode",
        ]))
        .unwrap();
        assert_eq!(columns.index(Column::Participant), Some(1));
        assert_eq!(columns.index(Column::DistanceKm), Some(5));
        assert_eq!(columns.index(Column::BaselineMode), Some(8));
        assert_eq!(ignored, ["姓名", "部门"]);
        let (columns, _) = find(&header(&[
            "\u{feff}participant",
            "Date",
            "direction",
            "MODE",
            "Distance (km)",
        ]))
        .unwrap();
        assert_eq!(columns.index(Column::Participant), Some(0));
        assert_eq!(columns.index(Column::DistanceKm), Some(4));
    }

    #[test]
    fn a_missing_or_doubled_column_is_named() {
        let errors = find(&header(&["参与者", "日期", "距离", "里程"])).unwrap_err();
        let text = errors.to_string();
        assert!(
            text.contains("`距离` and `里程` both name the column `distance_km`"),
            "{text}"
        );
        assert!(text.contains("`direction`"), "{text}");
        assert!(text.contains("`mode`"), "{text}");
    }
}
