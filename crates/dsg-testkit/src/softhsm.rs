//! A throwaway SoftHSM2 token per test: its own token directory and
//! configuration (`SOFTHSM2_CONF`) in a temp directory, initialised with
//! `softhsm2-util`. Without SoftHSM2 the test fails, unless
//! `DSG_SKIP_SOFTHSM=1` says it is absent on purpose (then it says it
//! skipped).

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct SoftHsm {
    dir: tempfile::TempDir,
    pub module: PathBuf,
    pub token_label: String,
    pub key_label: String,
    pin: &'static str,
}

fn find_module() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("DSG_SOFTHSM_MODULE") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

impl SoftHsm {
    /// A fresh token labelled `dsg-test`; `None` only when SoftHSM2 is
    /// absent on purpose.
    pub fn start() -> Option<Self> {
        let module = find_module();
        let util = Command::new("softhsm2-util").arg("--version").output();
        let (Some(module), Ok(_)) = (module, util) else {
            assert!(
                std::env::var("DSG_SKIP_SOFTHSM").is_ok_and(|v| v == "1"),
                "SoftHSM2 is not installed (apt-get install softhsm2), \
                 or set DSG_SKIP_SOFTHSM=1 to skip the PKCS#11 tests on purpose"
            );
            eprintln!("SKIPPED: SoftHSM2 not installed and DSG_SKIP_SOFTHSM=1");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let hsm = Self {
            dir,
            module,
            token_label: "dsg-test".to_owned(),
            key_label: "dsg-master".to_owned(),
            pin: "20261207",
        };
        std::fs::write(hsm.dir.path().join("pin"), format!("{}\n", hsm.pin)).unwrap();
        let out = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", &hsm.token_label])
            .args(["--so-pin", "12345678", "--pin", hsm.pin])
            .env("SOFTHSM2_CONF", hsm.conf())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "softhsm2-util --init-token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(hsm)
    }

    /// The configuration file SoftHSM2 reads (`SOFTHSM2_CONF`).
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    /// A file holding the token's user PIN.
    pub fn pin_file(&self) -> PathBuf {
        self.dir.path().join("pin")
    }

    /// A file holding a PIN that is not the token's.
    pub fn wrong_pin_file(&self) -> PathBuf {
        let path = self.dir.path().join("wrong-pin");
        std::fs::write(&path, "00000000\n").unwrap();
        path
    }

    /// The environment of a `dsg` process using this token for its master
    /// key, the PIN read from `pin_file`.
    pub fn env(&self, pin_file: &Path) -> Vec<(String, String)> {
        let path = |p: &Path| p.to_str().unwrap().to_owned();
        vec![
            ("SOFTHSM2_CONF".into(), path(&self.conf())),
            ("DSG_KEYS__PROVIDER".into(), "pkcs11".into()),
            ("DSG_KEYS__PKCS11__MODULE".into(), path(&self.module)),
            (
                "DSG_KEYS__PKCS11__TOKEN_LABEL".into(),
                self.token_label.clone(),
            ),
            ("DSG_KEYS__PKCS11__KEY_LABEL".into(), self.key_label.clone()),
            ("DSG_KEYS__PKCS11__PIN_FILE".into(), path(pin_file)),
        ]
    }
}
