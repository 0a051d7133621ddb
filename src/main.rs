use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZIZHI_LOG")
                .unwrap_or_else(|_| "zizhi=info,sqlx=error,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match zizhi::cli::run(zizhi::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zizhi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
