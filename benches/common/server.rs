//! A simulator run as a child process of the bench, so the bench's own figures (CPU, RSS)
//! are the client's alone.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running simulator; killed when dropped, also when the bench panics.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `crmsync` with `args` and waits (up to two minutes) until `probe` answers.
pub async fn start(args: &[&str], probe: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the simulator");
    let deadline = Instant::now() + Duration::from_secs(120);
    while reqwest::get(probe).await.is_err() {
        assert!(Instant::now() < deadline, "simulator did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server(child)
}

/// A loopback port that was free a moment ago.
pub fn port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
