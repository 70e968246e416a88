use std::process::ExitCode;

use clap::Parser;
use green_commute::config::Cli;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    green_commute::telemetry::init();
    match green_commute::startup::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // A sentence for the person at the terminal, not a debug dump.
            eprintln!("green-commute: {error}");
            ExitCode::FAILURE
        }
    }
}
