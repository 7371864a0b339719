//! Shared by the router's live-graph tests: the checked LV2 bundle, WAV
//! files, the router process, the `default` metadata.
#![allow(dead_code)] // each test file uses its own subset

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use headroom_testdata::pipewire::{ChildId, PwGraph, PwObject, Setup};

pub const TIMEOUT: Duration = Duration::from_secs(20);
pub const RATE: u32 = 48_000;

/// The directory with the checked bundles (`cargo xtask bundle --checked`).
pub fn bundle_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEADROOM_BUNDLE_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bundled")
}

/// A directory holding only `headroom.lv2`, for `LV2_PATH`.
pub fn lv2_path(graph: &PwGraph) -> PathBuf {
    let bundle = bundle_dir().join("headroom.lv2");
    assert!(
        bundle.join("headroom.so").is_file(),
        "{} is missing: run `cargo xtask bundle --checked` (cargo xtask test does)",
        bundle.display()
    );
    let dir = graph.path("lv2");
    if !dir.join("headroom.lv2").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&bundle, dir.join("headroom.lv2")).unwrap();
    }
    dir
}

/// Starts `headroom daemon` on `graph` with `args`, and waits for its
/// processed sink to be the default.
pub fn start_router(graph: &mut PwGraph, args: &[&str]) -> ChildId {
    start_router_with_env(graph, args, &[])
}

/// [`start_router`] with environment variables `env` (name, value) set.
pub fn start_router_with_env(graph: &mut PwGraph, args: &[&str], env: &[(&str, &str)]) -> ChildId {
    let lv2 = lv2_path(graph);
    let mut cmd = graph.command(env!("CARGO_BIN_EXE_headroom"));
    cmd.arg("daemon").arg("--lv2-path").arg(&lv2).args(args);
    cmd.envs(env.iter().copied());
    let router = graph.spawn("headroom-router", cmd).unwrap();
    graph.wait_for_node("headroom.processed", TIMEOUT).unwrap();
    let ready = graph.wait_for("the processed sink to become the default", TIMEOUT, |g| {
        Ok(configured_default(g)
            .contains("headroom.processed")
            .then_some(()))
    });
    if let Err(e) = ready {
        panic!("{e}\nrouter log:\n{}", graph.log(router));
    }
    router
}

/// A stereo 32-bit float WAV at [`RATE`].
pub fn write_wav(path: &Path, interleaved: &[f32]) {
    write_wav_channels(path, 2, interleaved);
}

/// A 32-bit float WAV of `channels` interleaved channels at [`RATE`].
pub fn write_wav_channels(path: &Path, channels: u16, interleaved: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in interleaved {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// Where `node`'s output links go now (one Link dump): the input nodes.
pub fn links_of(graph: &PwGraph, node: u32) -> Vec<u32> {
    graph
        .objects("Link")
        .unwrap()
        .iter()
        .filter(|l| l.prop_id("link.output.node") == Some(node))
        .filter_map(|l| l.prop_id("link.input.node"))
        .collect()
}

pub fn read_wav(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

/// `pw-metadata 0 default.configured.audio.sink` as printed.
pub fn configured_default(graph: &PwGraph) -> String {
    let mut cmd = graph.command("pw-metadata");
    cmd.args(["0", "default.configured.audio.sink"]);
    let out = graph.run(cmd, TIMEOUT).unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Picks `sink` as the default device, as a volume control does.
pub fn choose_default(graph: &PwGraph, sink: &str) {
    let mut cmd = graph.command("pw-metadata");
    cmd.args([
        "0",
        "default.configured.audio.sink",
        &format!("{{\"name\":\"{sink}\"}}"),
        "Spa:String:JSON",
    ]);
    let out = graph.run(cmd, TIMEOUT).unwrap();
    assert!(out.status.success(), "pw-metadata failed: {out:?}");
}

/// Starts an app playing `wav` with no target, named `node_name`.
pub fn play_untargeted(graph: &mut PwGraph, wav: &Path, app: &str, node_name: &str) -> ChildId {
    let mut cmd = graph.command("pw-cat");
    cmd.args([
        "-p",
        "-P",
        &format!("{{ application.name=\"{app}\" node.name={node_name} }}"),
    ])
    .arg(wav);
    graph.spawn("pw-cat", cmd).unwrap()
}

/// Whether some link goes from node `from` to node `to` now.
pub fn linked(graph: &PwGraph, from: u32, to: u32) -> bool {
    !graph.links(from, to).unwrap().is_empty()
}

/// A 0.1-amplitude stereo tone of `seconds`, written to `name` in the graph's directory.
pub fn tone_wav(graph: &PwGraph, name: &str, seconds: usize) -> PathBuf {
    let tone: Vec<f32> = (0..RATE as usize * seconds)
        .flat_map(|n| {
            let v = 0.1 * (n as f32 * 0.05).sin();
            [v, v]
        })
        .collect();
    let wav = graph.path(name);
    write_wav(&wav, &tone);
    wav
}

/// The router's varlink socket on `graph`.
pub fn control_socket(graph: &PwGraph) -> PathBuf {
    graph
        .runtime_dir()
        .join("headroom")
        .join(headroom_client::SOCKET_NAME)
}

/// A runtime for driving the async `headroom-client` from a test.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The processed sink's current `headroom:ceiling`, from its `Props`.
pub fn dsp_ceiling(graph: &PwGraph, node: u32) -> Option<f32> {
    let text = graph
        .pw_cli(&["enum-params", &node.to_string(), "Props"])
        .ok()?;
    let at = text.find("\"headroom:ceiling\"")?;
    let rest = &text[at..];
    let float = rest.find("Float ")?;
    rest[float + 6..].split_whitespace().next()?.parse().ok()
}

/// Waits until the processed sink `node` runs with ceiling `value`.
pub fn wait_for_ceiling(graph: &mut PwGraph, node: u32, value: f32, router: ChildId) {
    graph
        .wait_for(&format!("ceiling {value} in the DSP"), TIMEOUT, |g| {
            Ok((dsp_ceiling(g, node) == Some(value)).then_some(()))
        })
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

/// Waits until stream `node` plays into `to` and no longer into `away_from`.
pub fn wait_for_move(graph: &mut PwGraph, node: u32, to: u32, away_from: u32, router: ChildId) {
    graph
        .wait_for(
            &format!("node {node} to play into {to} only"),
            TIMEOUT,
            |g| Ok((linked(g, node, to) && !linked(g, node, away_from)).then_some(())),
        )
        .unwrap_or_else(|e| panic!("{e}\nrouter log:\n{}", graph.log(router)));
}

/// A raw connection to the control socket; reads time out after [`TIMEOUT`].
pub fn raw_connect(socket: &Path) -> UnixStream {
    let stream = UnixStream::connect(socket).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// Reads one NUL-terminated reply, byte by byte (nothing after it is
/// consumed).
pub fn raw_read_reply(stream: &mut UnixStream) -> serde_json::Value {
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(1) if byte[0] == 0 => break,
            Ok(1) => reply.push(byte[0]),
            other => panic!(
                "no complete reply ({other:?}) after {:?}",
                String::from_utf8_lossy(&reply)
            ),
        }
    }
    serde_json::from_slice(&reply).unwrap()
}

/// Sends `message` (NUL added) and reads the reply.
pub fn raw_call(stream: &mut UnixStream, message: &str) -> serde_json::Value {
    stream.write_all(message.as_bytes()).unwrap();
    stream.write_all(&[0]).unwrap();
    raw_read_reply(stream)
}

/// `GetStatus` replies from `clients` connections made at once, each on
/// its own thread.
pub fn statuses_from_clients(socket: &Path, clients: usize) -> Vec<serde_json::Value> {
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let socket = socket.to_path_buf();
            std::thread::spawn(move || {
                raw_call(
                    &mut raw_connect(&socket),
                    r#"{"method": "io.headroom.Router.GetStatus"}"#,
                )
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// The WirePlumber fragment headroom ships: WirePlumber neither restores
/// nor saves stream targets (see the file).
pub const WIREPLUMBER_CONF: (&str, &str) = (
    "50-headroom.conf",
    include_str!("../../wireplumber/50-headroom.conf"),
);

/// A graph as on a desktop: headroom's WirePlumber fragment installed and
/// `pipewire-pulse` running, so PulseAudio clients (`paplay`, `pactl`,
/// what browsers and volume keys use) work.
pub fn desktop_graph() -> PwGraph {
    PwGraph::start_with(Setup {
        wireplumber_conf: &[WIREPLUMBER_CONF],
        pulse: true,
    })
    .unwrap()
}

/// Plays `wav` with `paplay` (the PulseAudio protocol, through
/// pipewire-pulse) as app `app`, to the default sink; returns the player
/// and its stream node once it appears.
pub fn paplay(graph: &mut PwGraph, wav: &Path, app: &str) -> (ChildId, PwObject) {
    let mut cmd = graph.command("paplay");
    cmd.arg(format!("--client-name={app}"))
        .arg(format!("--property=application.name={app}"))
        .arg(wav);
    let player = graph.spawn("paplay", cmd).unwrap();
    let node = graph
        .wait_for(&format!("{app}'s stream to appear"), TIMEOUT, |g| {
            Ok(g.objects("Node")?.into_iter().find(|n| {
                n.prop("application.name") == Some(app)
                    && n.prop("media.class") == Some("Stream/Output/Audio")
            }))
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", graph.log(player)));
    (player, node)
}

/// Runs `program args…` on the graph and returns its stdout; panics with
/// its output when it fails.
pub fn run_ok(graph: &PwGraph, program: &str, args: &[&str]) -> String {
    let mut cmd = graph.command(program);
    cmd.args(args);
    let out = graph.run(cmd, TIMEOUT).unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A node's `channelVolumes` as `pw-dump` shows them (the volume desktop
/// controls set), if it has them.
pub fn channel_volumes(graph: &PwGraph, node: u32) -> Option<Vec<f64>> {
    let dump: serde_json::Value = serde_json::from_str(&graph.dump().ok()?).ok()?;
    let object = dump.as_array()?.iter().find(|o| o["id"] == node)?;
    let props = object["info"]["params"]["Props"].as_array()?;
    props
        .iter()
        .find_map(|p| p["channelVolumes"].as_array())
        .map(|v| v.iter().filter_map(|x| x.as_f64()).collect())
}

/// The pids of `pipewire -c <config>` processes whose config is under
/// `dir`: every sink process a router with that runtime directory runs
/// (the default processed sink, the master limiter, running buses).
pub fn stage_processes(dir: &Path) -> Vec<u32> {
    pipewire_processes(|config| config.starts_with(&dir.to_string_lossy().into_owned()))
}

/// The pids of the default processed sink's processes of a router with
/// runtime directory `dir` (config `dir/filter-chain.conf`).
pub fn sink_processes(dir: &Path) -> Vec<u32> {
    let config = dir.join("filter-chain.conf").to_string_lossy().into_owned();
    pipewire_processes(|c| c == config)
}

/// `pipewire -c <config>` processes whose config `hosts` accepts.
fn pipewire_processes(hosts: impl Fn(&str) -> bool) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let hosts_ours = args.first()?.ends_with("pipewire")
                && args.get(1).map(String::as_str) == Some("-c")
                && args.get(2).is_some_and(|c| hosts(c));
            hosts_ours.then_some(pid)
        })
        .collect()
}

/// How many nodes named `headroom.processed` the graph has now.
pub fn processed_sinks(graph: &PwGraph) -> usize {
    graph
        .objects("Node")
        .unwrap()
        .iter()
        .filter(|n| n.prop("node.name") == Some("headroom.processed"))
        .count()
}
