use clap::Parser;
use green_commute::config::{Cli, Command};
use green_commute::startup::Application;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    green_commute::telemetry::init();
    let result = match cli.command {
        Some(Command::Openapi) => {
            print!("{}", green_commute::http::openapi::SPEC_JSON.as_str());
            Ok(())
        }
        Some(Command::Serve(config)) => serve(config).await,
        None => serve(cli.serve).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("green-commute: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(
    mut config: green_commute::config::ServeConfig,
) -> Result<(), Box<dyn std::error::Error>> {
    if config.demo {
        config = green_commute::demo::prepare(config).await?;
    }
    Application::build(config)?.run_until_stopped().await?;
    Ok(())
}
