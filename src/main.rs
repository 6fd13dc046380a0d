use std::io::Write;

use clap::Parser;

#[tokio::main]
async fn main() {
    let code = match tiltak::cli::run(tiltak::cli::Cli::parse()).await {
        Ok(()) => 0,
        Err(err) if tiltak::cli::is_closed_pipe(&err) => 0,
        Err(err) => {
            eprintln!("error: {err:#}");
            1
        }
    };
    // Leave at once: a one-off command has nothing left to do, and waiting for the database
    // pool and the runtime to wind down only risks a hang on the way out.
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
