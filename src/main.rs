use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match tiltak::cli::run(tiltak::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
