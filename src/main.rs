use clap::Parser;
use green_commute::config::{Cli, Command, ServeConfig};
use green_commute::startup::Application;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    green_commute::telemetry::init();
    let result = match cli.command {
        Some(Command::Openapi) => Ok(print!("{}", *green_commute::http::routes::docs::SPEC_JSON)),
        Some(Command::Serve(config)) => serve(config).await,
        None => serve(cli.serve).await,
    };
    result.map_or_else(
        |error| {
            eprintln!("green-commute: {error}");
            std::process::ExitCode::FAILURE
        },
        |()| std::process::ExitCode::SUCCESS,
    )
}

async fn serve(mut config: ServeConfig) -> Result<(), Box<dyn std::error::Error>> {
    if config.demo {
        config = green_commute::demo::prepare(config).await?;
    }
    Ok(Application::build(config)?.run_until_stopped().await?)
}
