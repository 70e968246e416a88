//! Writes a coordinator's CSV (as `benches/gen_bodies.py --sheet` makes it) as an XLSX workbook
//! the way Excel would save it: dates as date cells, distances and passengers as numbers.
//!
//!     cargo run --release --example csv_to_xlsx -- trips.csv trips.xlsx

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: csv_to_xlsx IN.csv OUT.xlsx".into());
    };
    let mut reader = csv::Reader::from_path(input)?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sheet1")?;
    let date_format = Format::new().set_num_format("yyyy/m/d");
    for (col, name) in reader.headers()?.iter().enumerate() {
        sheet.write_string(0, col as u16, name)?;
    }
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let row = i as u32 + 1;
        for (col, value) in record.iter().enumerate() {
            let col = col as u16;
            if value.is_empty() {
                continue;
            }
            let parts: Vec<&str> = value.split('/').collect();
            if let [y, m, d] = parts.as_slice() {
                let date = ExcelDateTime::from_ymd(y.parse()?, m.parse()?, d.parse()?)?;
                sheet.write_datetime_with_format(row, col, &date, &date_format)?;
            } else if let Ok(number) = value.parse::<f64>() {
                sheet.write_number(row, col, number)?;
            } else {
                sheet.write_string(row, col, value)?;
            }
        }
    }
    workbook.save(output)?;
    Ok(())
}
