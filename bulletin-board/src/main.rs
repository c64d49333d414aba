//! `urna-board`: run Urna's bulletin board (`spec/api.md`).
#![forbid(unsafe_code)]

use urna_board::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::load()?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log))
        .with_target(false)
        .init();
    let board = urna_board::start(config).await?;
    // Tests and scripts read this line to find the port (with --listen …:0).
    println!("urna-board listening on {}", board.addr);
    tracing::info!(addr = %board.addr, board_key = %hex::encode(board.public_key.to_bytes()), "listening");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("shutting down");
            board.shutdown().await;
        }
    }
    Ok(())
}
