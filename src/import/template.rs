//! The spreadsheets coordinators start from: a header row and two example rows in Chinese or
//! English, and (XLSX) a second sheet with the campaign's modes and the directions. They read back
//! through the same importer as any upload.

use jiff::civil::Date;
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, XlsxError};

use super::Column;
use crate::factors::FactorSet;

/// The language of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// 中文 (the default: the campaigns are Chinese).
    #[default]
    Chinese,
    /// English.
    English,
}

/// One example row of a template.
struct Example {
    participant: &'static str,
    direction: (&'static str, &'static str),
    mode: &'static str,
    km: f64,
    passengers: Option<u8>,
}

impl Example {
    fn direction(&self, language: Language) -> &'static str {
        match language {
            Language::Chinese => self.direction.1,
            Language::English => self.direction.0,
        }
    }
}

const EXAMPLES: [Example; 2] = [
    Example {
        participant: "emp-001",
        direction: ("to_work", "上班"),
        mode: "metro",
        km: 12.5,
        passengers: None,
    },
    Example {
        participant: "emp-002",
        direction: ("round_trip", "往返"),
        mode: "car",
        km: 18.0,
        passengers: Some(3),
    },
];

/// The directions and how a template writes them.
const DIRECTIONS: [(&str, &str, &str); 3] = [
    ("to_work", "上班", "home to work (去程)"),
    ("from_work", "下班", "work to home (回程、返程)"),
    (
        "round_trip",
        "往返",
        "both ways, counted twice the distance",
    ),
];

impl Language {
    fn header(self, column: Column) -> &'static str {
        match self {
            Self::Chinese => column.chinese(),
            Self::English => column.field(),
        }
    }

    /// A mode as a template writes it: its name in the language (which the importer reads back).
    fn mode(self, set: &FactorSet, id: &str) -> String {
        let label = set.mode(id).map(|m| &set.mode_file(m).label);
        match (self, label) {
            (Self::Chinese, Some(label)) => label.zh.clone(),
            (Self::English, Some(label)) => label.en.clone(),
            (_, None) => id.to_owned(),
        }
    }
}

/// The example rows' cells as text, for a campaign starting on `day`.
fn example_rows(set: &FactorSet, language: Language, day: Date) -> Vec<[String; 7]> {
    EXAMPLES
        .iter()
        .map(|example| {
            [
                example.participant.to_owned(),
                day.to_string(),
                example.direction(language).to_owned(),
                language.mode(set, example.mode),
                example.km.to_string(),
                example
                    .passengers
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                String::new(),
            ]
        })
        .collect()
}

/// The CSV template: UTF-8 with a byte-order mark (so that Excel reads the Chinese right) and
/// CRLF line ends.
pub fn csv(set: &FactorSet, language: Language, day: Date) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let header: Vec<&str> = Column::ALL.iter().map(|c| language.header(*c)).collect();
    // Writing to memory cannot fail.
    let _ = writer.write_record(&header);
    for row in example_rows(set, language, day) {
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
}

/// The XLSX template: the trips sheet (dates as date cells) and a sheet of modes and directions.
pub fn xlsx(set: &FactorSet, language: Language, day: Date) -> Result<Vec<u8>, XlsxError> {
    let (trips_name, modes_name) = match language {
        Language::Chinese => ("行程", "出行方式和方向"),
        Language::English => ("Trips", "Modes and directions"),
    };
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let date_format = CellFormat::new().set_num_format("yyyy-mm-dd");
    let trips = workbook.add_worksheet();
    trips.set_name(trips_name)?;
    for (col, column) in Column::ALL.iter().enumerate() {
        let col = col as u16;
        trips.write_string_with_format(0, col, language.header(*column), &bold)?;
        trips.set_column_width(col, 16)?;
    }
    let date = ExcelDateTime::from_ymd(
        u16::try_from(day.year()).unwrap_or(2026),
        day.month() as u8,
        day.day() as u8,
    )?;
    for (i, example) in EXAMPLES.iter().enumerate() {
        let row = i as u32 + 1;
        trips.write_string(row, 0, example.participant)?;
        trips.write_datetime_with_format(row, 1, &date, &date_format)?;
        trips.write_string(row, 2, example.direction(language))?;
        trips.write_string(row, 3, language.mode(set, example.mode))?;
        trips.write_number(row, 4, example.km)?;
        if let Some(passengers) = example.passengers {
            trips.write_number(row, 5, f64::from(passengers))?;
        }
    }
    let modes = workbook.add_worksheet();
    modes.set_name(modes_name)?;
    let headers = match language {
        Language::Chinese => ["出行方式", "English", "mode", "也可写作"],
        Language::English => ["Mode", "中文", "mode id", "Also written"],
    };
    for (col, header) in headers.iter().enumerate() {
        modes.write_string_with_format(0, col as u16, *header, &bold)?;
        modes.set_column_width(col as u16, if col == 3 { 48 } else { 24 })?;
    }
    for (i, mode) in set.modes().iter().enumerate() {
        let file = set.mode_file(mode);
        let row = i as u32 + 1;
        let (first, second) = match language {
            Language::Chinese => (&file.label.zh, &file.label.en),
            Language::English => (&file.label.en, &file.label.zh),
        };
        modes.write_string(row, 0, first)?;
        modes.write_string(row, 1, second)?;
        modes.write_string(row, 2, mode.mode.as_str())?;
        modes.write_string(row, 3, file.aliases.join(", "))?;
    }
    let start = set.modes().len() as u32 + 2;
    let direction_header = match language {
        Language::Chinese => ["方向", "English", "direction", "含义"],
        Language::English => ["Direction", "中文", "direction", "Meaning"],
    };
    for (col, header) in direction_header.iter().enumerate() {
        modes.write_string_with_format(start, col as u16, *header, &bold)?;
    }
    for (i, (id, zh, meaning)) in DIRECTIONS.iter().enumerate() {
        let row = start + 1 + i as u32;
        let (first, second) = match language {
            Language::Chinese => (*zh, id.replace('_', " ")),
            Language::English => (*id, (*zh).to_owned()),
        };
        modes.write_string(row, 0, first)?;
        modes.write_string(row, 1, second)?;
        modes.write_string(row, 2, *id)?;
        modes.write_string(row, 3, *meaning)?;
    }
    workbook.save_to_buffer()
}
