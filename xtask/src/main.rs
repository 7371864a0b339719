//! `cargo xtask <task>`: the project's own build, demo, test and bench
//! entry points. Depends on nothing at runtime beyond std (the bench links
//! the test-signal generators); everything else it runs as programs.

mod apt_sources;
mod bench;
mod bundle;
mod cmd;
mod deb;
mod deps;
mod install;
mod run;
mod varlinkctl;

use std::process::ExitCode;

use cmd::Result;

const HELP: &str = "\
cargo xtask <task> [options]

Tasks:
  run                The whole stack: bundle the plugin, build the router and start it
                     on your PipeWire session; with no session running, on a private
                     headless graph, playing the loud demo clip through a processed
                     and a bypassed app and printing where each went and its peaks.
  demo               Build headroom-wav (release) and process the bundled loud clip
                     testdata/demo/loud-demo.wav; prints the before/after report.
  test               The whole test suite, as CI runs it: cargo fmt --check,
                     cargo clippy --all-targets -D warnings, the checked plugin bundles
                     (and the allocation canary), cargo test --workspace. Fetches
                     systemd 257's varlinkctl (Debian 13 packages, unpacked into
                     target/varlinkctl/, nothing installed) for the router's tests.
                     Then the install steps of `test --package`.
  test --package     Only the install steps: `install --prefix` then `uninstall` must
                     leave the prefix exactly as it was; the .deb is built, installed
                     into a clean Debian 12 root (debootstrap, cached in
                     target/package-test/), used there and purged without a trace.
  bundle [--checked|--canary] [--out DIR]
                     Build the plugin and package it: headroom.lv2/ (the binary, TTL
                     generated from the parameter table), headroom.clap and
                     headroom.vst3/ (links to the same binary) in
                     target/bundled/ (--canary: target/bundled-canary/).
                     --checked: debug assertions on, any allocation on the audio
                     thread aborts the host (what the host tests load).
                     --canary: checked, and allocates on purpose in every process call.
  install [--prefix DIR] [--debug] [--profile NAME|FILE] [--pipewire-dropin]
                     Release build, installed for this user (or below DIR):
                       headroom, headroom-wav   ~/.local/bin         DIR/bin
                       headroom.lv2 (binary)    ~/.lv2               DIR/lib/lv2
                       headroom.clap (link)     ~/.clap              DIR/lib/clap
                       headroom.vst3 (link)     ~/.vst3              DIR/lib/vst3
                       profiles                 ~/.local/share/headroom/profiles
                                                                     DIR/share/headroom/profiles
                       man pages                ~/.local/share/man   DIR/share/man
                       bash/zsh/fish completions ~/.local/share/{bash-completion,zsh},
                                                ~/.config/fish       DIR/share/...
                       systemd user units       ~/.config/systemd/user  DIR/lib/systemd/user
                       WirePlumber fragment     ~/.config/wireplumber/wireplumber.conf.d
                                                                     DIR/share/wireplumber/...
                       filter-chain config      ~/.config/headroom   DIR/share/headroom
                     Binaries are stripped (--debug keeps their symbols); the CLAP and
                     VST3 bundles link to the LV2 bundle's binary. Bundles are swapped
                     in atomically. Every file written is listed in a manifest
                     (~/.local/share/headroom/install-manifest, DIR/share/headroom/...).
                     --profile: the filter-chain config's controls (default `default`).
                     --pipewire-dropin: also ~/.config/pipewire/pipewire.conf.d/headroom.conf
                     (DIR/share/pipewire/pipewire.conf.d/). CLAP hosts search only
                     ~/.clap and /usr/lib/clap: with --prefix, set CLAP_PATH=DIR/lib/clap.
  uninstall [--prefix DIR]
                     Removes exactly what the manifest of that install lists, and the
                     directories it created once they are empty (first disabling the
                     user units, for a home install).
  deb                The Debian package: target/debian/headroom_<version>_<arch>.deb
                     (dpkg-deb; Depends: from dpkg-shlibdeps plus PipeWire >= 1.4,
                     WirePlumber >= 0.5 and procps), checked with lintian (no error or
                     warning allowed). Install it with
                     apt install ./target/debian/headroom_*.deb
  ci                 Same as `test`.
  bench [--quick]    Criterion bench of the DSP (chain and each stage), then the
                     x42-dpl and LSP limiter anchors through lv2file on the same
                     input; prints one table and writes it into BENCHMARKS.md.
                     --quick: short runs for a smoke test, BENCHMARKS.md untouched.
  bless              Accept the DSP's current output as the regression expectations
                     (HEADROOM_BLESS=1 cargo test -p headroom-wav --test regression).
  deps [--for SET]   Install the missing system packages for SET: test, demo, bench,
                     deb, package (deb and its test) or all (default). As root via
                     apt-get; otherwise prints the commands to run.
  help               This text.

Every task installs the system packages it needs first (only what is missing).

Examples:
  cargo xtask run
  cargo xtask demo
  cargo xtask test
  cargo xtask bundle --checked
  cargo xtask install --profile night
  cargo xtask install --prefix /usr/local && cargo xtask uninstall --prefix /usr/local
  cargo xtask deb && apt install ./target/debian/headroom_*.deb
  cargo xtask test --package
  cargo xtask deps --for bench
  cargo xtask bench --quick
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result {
    let (task, options) = match args.split_first() {
        Some((task, options)) => (task.as_str(), options),
        None => ("help", &[][..]),
    };
    match task {
        "demo" => no_options(task, options).and_then(|()| demo()),
        "run" => no_options(task, options).and_then(|()| run::run()),
        "test" | "ci" => match options {
            [] => test(),
            [flag] if flag == "--package" => package_steps(),
            _ => Err(format!(
                "{task} takes only --package, got {options:?}\n\n{HELP}"
            )),
        },
        "deb" => no_options(task, options).and_then(|()| deb::build().map(drop)),
        "bench" => {
            let quick = match options {
                [] => false,
                [flag] if flag == "--quick" => true,
                _ => {
                    return Err(format!(
                        "bench takes only --quick, got {options:?}\n\n{HELP}"
                    ))
                }
            };
            bench(quick)
        }
        "bless" => no_options(task, options).and_then(|()| bless()),
        "bundle" => {
            let mut build = bundle::Build::Release;
            let mut out = None;
            let mut rest = options.iter();
            while let Some(flag) = rest.next() {
                match flag.as_str() {
                    "--checked" => build = bundle::Build::Checked,
                    "--canary" => build = bundle::Build::Canary,
                    "--out" => {
                        let dir = rest.next().ok_or("--out needs a directory")?;
                        out = Some(std::path::PathBuf::from(dir));
                    }
                    other => return Err(format!("bundle: unknown option `{other}`\n\n{HELP}")),
                }
            }
            bundle::bundle(build, out.as_deref()).map(drop)
        }
        "install" => {
            let mut opts = install::Options {
                prefix: None,
                profile: "default".into(),
                pipewire_dropin: false,
                debug: false,
            };
            let mut rest = options.iter();
            while let Some(flag) = rest.next() {
                match flag.as_str() {
                    "--prefix" => {
                        let dir = rest.next().ok_or("--prefix needs a directory")?;
                        opts.prefix = Some(std::path::PathBuf::from(dir));
                    }
                    "--profile" => {
                        opts.profile = rest.next().ok_or("--profile needs a name or file")?.clone();
                    }
                    "--pipewire-dropin" => opts.pipewire_dropin = true,
                    "--debug" => opts.debug = true,
                    other => return Err(format!("install: unknown option `{other}`\n\n{HELP}")),
                }
            }
            install::run(opts)
        }
        "uninstall" => match options {
            [] => install::uninstall(None),
            [flag, dir] if flag == "--prefix" => install::uninstall(Some(dir.as_ref())),
            _ => Err(format!(
                "usage: cargo xtask uninstall [--prefix DIR]\n\n{HELP}"
            )),
        },
        "deps" => {
            let set = match options {
                [] => "all",
                [flag, set] if flag == "--for" => set.as_str(),
                [flag] if flag.starts_with("--for=") => &flag["--for=".len()..],
                _ => {
                    return Err(format!(
                        "usage: cargo xtask deps [--for test|demo|bench|deb|package|all]\n\n{HELP}"
                    ))
                }
            };
            let packages = deps::set(set).ok_or_else(|| {
                format!("unknown package set `{set}`: use test, demo, bench, deb, package or all")
            })?;
            deps::ensure(set, &packages)
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{HELP}")),
    }
}

fn no_options(task: &str, options: &[String]) -> Result {
    if options.is_empty() {
        Ok(())
    } else {
        Err(format!("`{task}` takes no options, got {options:?}"))
    }
}

/// The main job until the live stack exists: offline processing of a
/// deliberately loud clip, with the report headroom-wav prints.
fn demo() -> Result {
    deps::ensure("demo", deps::DEMO)?;
    let input = "testdata/demo/loud-demo.wav";
    if !cmd::workspace_root().join(input).is_file() {
        return Err(format!(
            "the demo clip {input} is missing from this checkout"
        ));
    }
    let out_dir = cmd::target_dir().join("demo");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("could not create {}: {e}", out_dir.display()))?;
    let output = out_dir.join("loud-demo.headroom.wav");
    let mut process = cmd::cargo();
    process
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "headroom-wav",
            "--",
            "process",
            input,
        ])
        .arg(&output);
    cmd::run(&mut process)?;
    println!("\nbefore: {input}\nafter:  {}", output.display());
    Ok(())
}

/// What CI runs (`.ci/run` calls `cargo xtask test`).
fn test() -> Result {
    deps::ensure("test", deps::TEST)?;
    deps::ensure_rust_components()?;
    deps::ensure_python_varlink()?;
    let varlinkctl = varlinkctl::ensure()?;
    cmd::run(cmd::cargo().args(["fmt", "--all", "--", "--check"]))?;
    cmd::run(cmd::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The host tests load these: the canary first, as both share a profile.
    bundle::bundle(bundle::Build::Canary, None)?;
    bundle::bundle(bundle::Build::Checked, None)?;
    cmd::run(cmd::cargo().env(varlinkctl::ENV, &varlinkctl).args([
        "test",
        "--workspace",
        "--no-fail-fast",
    ]))?;
    package_steps()
}

/// `cargo xtask test --package`, and the end of `cargo xtask test`.
fn package_steps() -> Result {
    let started = std::time::Instant::now();
    deps::ensure("test --package", &deps::set("package").unwrap_or_default())?;
    install::round_trip::run()?;
    let deb = deb::build()?;
    deb::package_test::run(&deb)?;
    println!(
        "install steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Measurements need an optimised xtask (it meters minutes of audio), so a
/// debug build hands over to a release build of itself.
fn bench(quick: bool) -> Result {
    if cfg!(debug_assertions) {
        let mut release = cmd::cargo();
        release.args(["run", "--release", "--quiet", "-p", "xtask", "--", "bench"]);
        if quick {
            release.arg("--quick");
        }
        return cmd::run(&mut release);
    }
    deps::ensure("bench", deps::BENCH)?;
    bench::run(bench::Options { quick })
}

fn bless() -> Result {
    let tests = cmd::workspace_root().join("plugin/wav/tests");
    if !tests.join("regression.rs").is_file() && !tests.join("regression/main.rs").is_file() {
        return Err("no regression test yet (expected plugin/wav/tests/regression.rs)".into());
    }
    let mut bless = cmd::cargo();
    bless
        .env("HEADROOM_BLESS", "1")
        .args(["test", "-p", "headroom-wav", "--test", "regression"]);
    cmd::run(&mut bless)
}
