//! Spreadsheets as organizations really have them: the encodings Excel and WPS save, Chinese
//! headers and values, XLSX and XLS workbooks with date cells, extra columns, errors where a
//! person looks, dry runs, templates that upload back, and 100,000 rows.

use encoding_rs::GB18030;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{json, Value};

use crate::common::{error_fields, world, Response, TestApp, World};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A campaign on cn-2023 in Beijing (June 1–14, 2026) with one enrolled organization.
fn campaign(app: &TestApp) -> World {
    world(
        app,
        "sheets",
        &["community"],
        json!({ "factor_set": "cn-2023", "region": "CN-BJ" }),
    )
}

fn upload(app: &TestApp, w: &World, content_type: &str, query: &str, body: &[u8]) -> Response {
    app.request(
        "POST",
        &format!("/v1/campaigns/{}/trips{query}", w.campaign),
        &[
            ("Authorization", &format!("Bearer {}", w.key(0))),
            ("Content-Type", content_type),
        ],
        body,
    )
}

fn summary(app: &TestApp, w: &World) -> Value {
    app.get(&format!("/v1/campaigns/{}/summary", w.campaign))
        .assert_status(200)
        .json()
}

/// The figures of each logged trip: (co2e_g, baseline_co2e_g).
fn figures(logged: &Value) -> Vec<(i64, i64)> {
    logged["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["co2e_g"].as_i64().unwrap(),
                t["baseline_co2e_g"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The same three trips as JSON, for comparison: metro 9 km to work, bicycle 3 km round trip,
/// car-pool of three 18 km from work.
fn json_figures(app: &TestApp, w: &World) -> Vec<(i64, i64)> {
    let logged = upload(
        app,
        w,
        "application/json",
        "?dry_run=true",
        json!({ "trips": [
            { "participant": "1001", "date": "2026-06-03", "direction": "to_work", "mode": "metro", "distance_km": 9 },
            { "participant": "1002", "date": "2026-06-03", "direction": "round_trip", "mode": "bicycle", "distance_km": 3 },
            { "participant": "1003", "date": "2026-06-04", "direction": "from_work", "mode": "car", "distance_km": 18, "passengers": 3 },
        ]})
        .to_string()
        .as_bytes(),
    )
    .assert_status(200)
    .json();
    figures(&logged)
}

/// What a coordinator's sheet looks like: Chinese headers, a name and a department column,
/// dates, directions, modes and distances written as people write them.
const CHINESE_SHEET: &str = "姓名,工号,日期,方向,出行方式,距离（公里）,乘车人数,部门\n\
张三,1001,2026/6/3,上班,地铁,9 公里,,财务部\n\
李四,1002,2026.6.3,往返,共享单车,3km,,人事部\n\
王五,1003,2026年6月4日,下班,私家车,18,3,后勤部\n";

#[test]
fn a_gb18030_csv_with_chinese_headers_and_values_logs_like_json() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let expected = json_figures(&app, &w);
    let body = GB18030.encode(CHINESE_SHEET).0.into_owned();
    let logged = upload(&app, &w, "text/csv", "", &body)
        .assert_status(201)
        .json();
    assert_eq!(logged["accepted"], 3);
    assert_eq!(figures(&logged), expected);
    assert_eq!(logged["ignored_columns"], json!(["姓名", "部门"]));
    let stored = app
        .get_as(w.key(0), &format!("/v1/campaigns/{}/trips", w.campaign))
        .text();
    assert!(
        !stored.contains("张三") && !stored.contains("财务部"),
        "{stored}"
    );
}

#[test]
fn utf16_tsv_and_semicolon_csv_with_a_bom_and_a_named_charset_read_the_same() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let expected = json_figures(&app, &w);
    // Excel's "Unicode text": UTF-16 LE with a byte-order mark, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        CHINESE_SHEET
            .replace(',', "\t")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
    utf8_bom.extend_from_slice(CHINESE_SHEET.replace(',', ";").as_bytes());
    let gbk = GB18030.encode(CHINESE_SHEET).0.into_owned();
    for (content_type, body) in [
        ("text/tab-separated-values", utf16),
        ("text/csv", utf8_bom),
        ("text/csv; charset=GBK", gbk),
        // What a browser on Windows calls a .csv file.
        (
            "application/vnd.ms-excel",
            CHINESE_SHEET.as_bytes().to_vec(),
        ),
    ] {
        let logged = upload(&app, &w, content_type, "?dry_run=true", &body)
            .assert_status(200)
            .json();
        assert_eq!(figures(&logged), expected, "{content_type}");
    }
    let problem = upload(&app, &w, "text/csv; charset=klingon", "", b"a,b").problem(415);
    assert!(problem["detail"].as_str().unwrap().contains("klingon"));
}

#[test]
fn a_csv_row_with_more_values_than_the_header_is_refused_not_cut_short() {
    // Arrange: "1,000" unquoted in a comma-separated file would otherwise be read as 1 km.
    let app = TestApp::spawn();
    let w = campaign(&app);
    let csv = "participant,date,direction,mode,distance_km\n\
               e1,2026-06-03,to_work,metro,9\n\
               e2,2026-06-03,to_work,metro,1,000\n\
               e3,2026-06-03,to_work,metro,4,\n";

    // Act
    let refused = upload(&app, &w, "text/csv", "", csv.as_bytes());
    let trailing_separator_only = upload(
        &app,
        &w,
        "text/csv",
        "",
        b"participant,date,direction,mode,distance_km\ne3,2026-06-03,to_work,metro,4,,\n",
    );

    // Assert
    let problem = refused.problem(422);
    assert_eq!(error_fields(&problem), ["line 3"], "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("6 values where the header has 5 columns"),
        "{problem}"
    );
    assert_eq!(
        summary(&app, &w)["trips"],
        1,
        "only the later, clean upload stored"
    );
    trailing_separator_only.assert_status(201);
}

/// An XLSX workbook of `rows` under `header` on a sheet named `sheet`; `Value::String` cells
/// are text, numbers are numbers, and `{"date": [y, m, d]}` a date cell.
fn workbook(sheet: &str, header: &[&str], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let dates = Format::new().set_num_format("yyyy-mm-dd");
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, name) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *name).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match value {
                Value::String(text) => {
                    ws.write_string(r, c, text).unwrap();
                }
                Value::Number(n) => {
                    ws.write_number(r, c, n.as_f64().unwrap()).unwrap();
                }
                Value::Object(date) => {
                    let ymd: Vec<u64> = date["date"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect();
                    let date =
                        ExcelDateTime::from_ymd(ymd[0] as u16, ymd[1] as u8, ymd[2] as u8).unwrap();
                    ws.write_datetime_with_format(r, c, &date, &dates).unwrap();
                }
                _ => {}
            }
        }
    }
    // A second sheet, to show the first is read unless another is named.
    book.add_worksheet().set_name("Notes").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_with_date_cells_serial_numbers_and_chinese_names_logs_like_json() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let expected = json_figures(&app, &w);
    let body = workbook(
        "考勤表",
        &["工号", "日期", "方向", "交通方式", "里程", "人数", "备注"],
        &[
            vec![
                json!(1001),
                json!({ "date": [2026, 6, 3] }),
                json!("上班"),
                json!("轨道交通"),
                json!(9),
                json!(""),
                json!(""),
            ],
            // 46176 is 2026-06-03 as a serial number in a cell formatted as a plain number.
            vec![
                json!("1002"),
                json!(46176),
                json!("往返"),
                json!("单车"),
                json!("3 公里"),
                json!(""),
                json!("晴"),
            ],
            vec![
                json!(1003),
                json!("2026-06-04"),
                json!("下班"),
                json!("小汽车（燃料未知）"),
                json!(18),
                json!(3),
                json!(""),
            ],
        ],
    );
    let logged = upload(&app, &w, XLSX, "", &body).assert_status(201).json();
    assert_eq!(figures(&logged), expected);
    assert_eq!(logged["ignored_columns"], json!(["备注"]));
    assert_eq!(summary(&app, &w)["trips"], 3);
    let problem = upload(&app, &w, XLSX, "?sheet=Nope", &body).problem(422);
    assert_eq!(error_fields(&problem), ["sheet"]);
}

#[test]
fn errors_name_the_cell_or_line_and_quote_the_value() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let body = workbook(
        "Sheet1",
        &["participant", "date", "direction", "mode", "distance_km"],
        &[
            vec![
                json!("a"),
                json!("2026-06-03"),
                json!("to_work"),
                json!("metro"),
                json!(9),
            ],
            vec![
                json!("b"),
                json!("2026-06-03"),
                json!("to_work"),
                json!("metro"),
                json!("far"),
            ],
            vec![
                json!("c"),
                json!("2026-13-03"),
                json!("sideways"),
                json!("hovercraft"),
                json!(2),
            ],
        ],
    );
    let problem = upload(&app, &w, XLSX, "", &body).problem(422);
    let fields = error_fields(&problem);
    assert_eq!(
        fields,
        [
            "Sheet1!E3 (distance_km)",
            "Sheet1!B4 (date)",
            "Sheet1!C4 (direction)",
            "Sheet1!D4 (mode)",
        ],
        "every problem of a row, not only the first"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("`far`") && detail.contains("`2026-13-03`"),
        "{detail}"
    );
    let csv = "participant,date,direction,mode,distance_km\nok,2026-06-03,to_work,metro,9\nbad,2026-06-03,to_work,hovercraft,9\n";
    let problem = upload(&app, &w, "text/csv", "", csv.as_bytes()).problem(422);
    assert_eq!(error_fields(&problem), ["line 3.mode"]);
    assert!(problem["detail"].as_str().unwrap().contains("`hovercraft`"));
    // A date outside the campaign is a rule of the campaign, checked after reading: the row's
    // other problems are still reported with it.
    let csv =
        "参与者,日期,方向,出行方式,距离\nx,2026/6/20,上班,飞机,9\ny,2026/6/2,上班,地铁,9000\n";
    let problem = upload(&app, &w, "text/csv", "", csv.as_bytes()).problem(422);
    assert_eq!(
        error_fields(&problem),
        ["line 2.date", "line 2.mode", "line 3.distance_km"]
    );
    let trips = json!({ "trips": [{
        "participant": "x", "date": "2026-07-01", "direction": "to_work",
        "legs": [{ "mode": "hovercraft", "distance_km": 2 }]
    }]});
    let problem = app
        .post_json_as(
            w.key(0),
            &format!("/v1/campaigns/{}/trips", w.campaign),
            &trips,
        )
        .problem(422);
    assert_eq!(
        error_fields(&problem),
        ["trips[0].date", "trips[0].legs[0].mode"]
    );
    assert_eq!(summary(&app, &w)["trips"], 0, "nothing was stored");
}

#[test]
fn a_dry_run_computes_everything_and_stores_nothing() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let dry = upload(
        &app,
        &w,
        "text/csv",
        "?dry_run=true",
        CHINESE_SHEET.as_bytes(),
    )
    .assert_status(200)
    .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["accepted"], 3);
    assert!(dry["trips"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["id"] == 0));
    assert_eq!(summary(&app, &w)["trips"], 0);
    let stored = upload(&app, &w, "text/csv", "", CHINESE_SHEET.as_bytes())
        .assert_status(201)
        .json();
    assert!(stored.get("dry_run").is_none());
    let again = upload(
        &app,
        &w,
        "text/csv",
        "?dry_run=true",
        CHINESE_SHEET.as_bytes(),
    )
    .assert_status(200)
    .json();
    assert_eq!(
        (again["accepted"].as_i64(), again["duplicates"].as_i64()),
        (Some(0), Some(3))
    );
    assert_eq!(again["trips"][0]["id"], stored["trips"][0]["id"]);
    assert_eq!(summary(&app, &w)["trips"], 3);
}

#[test]
fn templates_in_either_language_upload_back_as_they_are() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    for (lang, path) in [
        ("zh", "template.csv"),
        ("en", "template.csv"),
        ("zh", "template.xlsx"),
        ("en", "template.xlsx"),
    ] {
        let template = app.get(&format!(
            "/v1/campaigns/{}/trips/{path}?lang={lang}",
            w.campaign
        ));
        template.assert_status(200);
        let content_type = template.header("content-type").unwrap().to_owned();
        if lang == "zh" && path.ends_with("csv") {
            let text = String::from_utf8(template.body.clone()).unwrap();
            assert!(
                text.starts_with("\u{feff}参与者,日期,方向,出行方式"),
                "{text}"
            );
        }
        let logged = upload(&app, &w, &content_type, "?dry_run=true", &template.body)
            .assert_status(200)
            .json();
        assert_eq!(logged["accepted"], 2, "{lang} {path}: {logged}");
    }
    app.get(&format!(
        "/v1/campaigns/{}/trips/template.csv?lang=fr",
        w.campaign
    ))
    .problem(422);
}

#[test]
fn an_xls_workbook_is_read_like_an_xlsx() {
    let app = TestApp::spawn();
    let w = campaign(&app);
    let expected = json_figures(&app, &w);
    // tests/fixtures/trips.xls: CHINESE_SHEET saved as Excel 97-2003 by LibreOffice.
    let body = include_bytes!("../fixtures/trips.xls");
    let logged = upload(&app, &w, "application/vnd.ms-excel", "", body)
        .assert_status(201)
        .json();
    assert_eq!(figures(&logged), expected);
}

#[test]
fn a_hundred_thousand_rows_upload_at_once_and_one_more_is_refused() {
    let app = TestApp::spawn_with(|c| c.body_limit = 32 * 1024 * 1024);
    let w = campaign(&app);
    let mut csv = String::from("participant,date,direction,mode,distance_km\n");
    for i in 0..100_000 {
        let day = 1 + i / 10_000;
        csv.push_str(&format!(
            "p{},2026-06-{day:02},to_work,bus,{}\n",
            i % 10_000,
            1 + i % 20
        ));
    }
    let logged = upload(&app, &w, "text/csv", "", csv.as_bytes())
        .assert_status(201)
        .json();
    assert_eq!(logged["accepted"], 100_000);
    assert_eq!(summary(&app, &w)["trips"], 100_000);
    csv.push_str("extra,2026-06-11,to_work,bus,1\n");
    let problem = upload(&app, &w, "text/csv", "?dry_run=true", csv.as_bytes()).problem(422);
    assert_eq!(error_fields(&problem), ["trips"]);
}
