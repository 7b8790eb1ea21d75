//! A throwaway PostgreSQL cluster per test: `initdb` + `pg_ctl` in a temp
//! directory (as the `postgres` user when running as root, since initdb
//! refuses root). Skips with a clear message where no PostgreSQL exists,
//! unless `DSG_REQUIRE_PG=1` (CI), where that is a failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

pub struct PgCluster {
    bindir: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

fn find_bindir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("DSG_PG_BINDIR") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgCluster {
    pub fn start() -> Option<Self> {
        let Some(bindir) = find_bindir() else {
            assert!(
                std::env::var("DSG_REQUIRE_PG").is_err(),
                "DSG_REQUIRE_PG is set but no PostgreSQL server binaries were found"
            );
            eprintln!("SKIPPED: PostgreSQL server binaries not found (install postgresql or set DSG_PG_BINDIR)");
            return None;
        };
        let as_postgres = is_root();
        let dir = tempfile::tempdir().unwrap();
        if as_postgres {
            let ok = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown of the cluster directory failed");
        }
        let cluster = Self {
            bindir,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = cluster.dir.path().join("pgdata");
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            cluster.port,
            cluster.dir.path().display()
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-l",
                cluster.dir.path().join("log").to_str().unwrap(),
                "start",
            ],
        );
        Some(cluster)
    }

    /// A command for one of the server tools, as the cluster's owner.
    fn command(&self, tool: &str) -> Command {
        let program = self.bindir.join(tool);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.arg("-u").arg("postgres").arg("--").arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let output = self.command(tool).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("pgdata");
        let args = [
            "-D",
            data.to_str().unwrap_or_default(),
            "-m",
            "immediate",
            "-w",
            "stop",
        ];
        let _ = self.command("pg_ctl").args(args).output();
    }
}
