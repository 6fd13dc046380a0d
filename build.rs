//! Sets the `tiltak_postgres` cfg when `TILTAK_TEST_POSTGRES_URL` is set, so the PostgreSQL
//! tests are marked ignored (and counted as such) rather than passing without running.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TILTAK_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(tiltak_postgres)");
    if std::env::var("TILTAK_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=tiltak_postgres");
    }
}
