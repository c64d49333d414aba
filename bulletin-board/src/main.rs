//! `urna-board`: run Urna's bulletin board (`spec/api.md`), or a mirror
//! of one (`urna-board mirror --upstream URL`, `spec/api.md` §8).
#![forbid(unsafe_code)]

use clap::Parser as _;
use urna_board::{Config, MirrorConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "mirror") {
        args.remove(1);
        return mirror(MirrorConfig::parse_from(args)).await;
    }
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

async fn mirror(config: MirrorConfig) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log))
        .with_target(false)
        .init();
    let m = urna_board::start_mirror(config).await?;
    println!("urna-board mirror listening on {}", m.addr);
    tracing::info!(
        addr = %m.addr,
        mirror_key = %hex::encode(m.mirror_key.to_bytes()),
        board_key = %hex::encode(m.board_key.to_bytes()),
        "mirror listening"
    );
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
    m.shutdown().await;
    Ok(())
}
