//! A Monitor subscriber that never reads holds nobody up: while its socket
//! is full, 100 clients at once all get GetStatus answered, and the
//! daemon's own work (thousands of calls producing events) goes on. When
//! it reads again it is told how many events it missed (`lagged`) and the
//! feed goes on. Bad Monitor calls get error replies on a connection that
//! stays usable.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use common::*;
use headroom_testdata::pipewire::PwGraph;
use serde_json::{json, Value};

/// Bypass flips that fill any socket buffer and the event ring many times.
const FLIPS: usize = 12_000;

fn read_reply(reader: &mut impl BufRead) -> Value {
    let mut reply = Vec::new();
    let n = reader.read_until(0, &mut reply).unwrap();
    assert!(n > 0 && reply.pop() == Some(0), "no complete reply");
    serde_json::from_slice(&reply).unwrap()
}

#[test]
fn a_subscriber_that_does_not_read_lags_and_nobody_waits_for_it() {
    let mut graph = PwGraph::start().unwrap();
    graph.create_null_sink("speakers").unwrap();
    let router = start_router(&mut graph, &[]);
    let socket = control_socket(&graph);

    // Bad Monitor calls: error replies, the connection stays usable.
    let mut stream = raw_connect(&socket);
    let invalid = |p: &str| json!({"error": "org.varlink.service.InvalidParameter", "parameters": {"parameter": p}});
    for topics in [json!(["weather"]), json!([]), json!("events"), json!([3])] {
        let message = json!({"method": "io.headroom.Router.Monitor", "more": true,
                             "parameters": {"topics": topics}});
        assert_eq!(
            raw_call(&mut stream, &message.to_string()),
            invalid("topics"),
            "{message}"
        );
    }
    assert_eq!(
        raw_call(
            &mut stream,
            r#"{"method": "io.headroom.Router.Monitor", "parameters": {"topics": ["events"]}}"#
        ),
        json!({"error": "org.varlink.service.ExpectedMore", "parameters": {}})
    );
    let info = raw_call(&mut stream, r#"{"method": "org.varlink.service.GetInfo"}"#);
    assert_eq!(info["parameters"]["product"], "headroom-router");

    // The stalled subscriber: subscribes, reads the confirmation, then stops.
    let mut stalled = raw_connect(&socket);
    stalled
        .write_all(b"{\"method\": \"io.headroom.Router.Monitor\", \"parameters\": {\"topics\": [\"events\", \"meters\", \"streams\"]}, \"more\": true}\0")
        .unwrap();
    let mut stalled_reader = BufReader::new(stalled.try_clone().unwrap());
    assert_eq!(
        read_reply(&mut stalled_reader)["parameters"]["subscribed"],
        json!(["events", "meters", "streams"])
    );

    // Thousands of events, pipelined on one connection (writer thread,
    // reader here): far more than its socket and the ring can hold.
    let flipper = raw_connect(&socket);
    let mut writer = flipper.try_clone().unwrap();
    let started = Instant::now();
    let writing = std::thread::spawn(move || {
        for i in 0..FLIPS {
            let message = format!(
                "{{\"method\": \"io.headroom.Router.SetBypass\", \"parameters\": {{\"enabled\": {}}}}}\0",
                i % 2 == 0
            );
            writer.write_all(message.as_bytes()).unwrap();
        }
    });
    let mut flip_replies = BufReader::new(flipper);
    for _ in 0..FLIPS {
        assert_eq!(read_reply(&mut flip_replies), json!({"parameters": {}}));
    }
    writing.join().unwrap();
    let flipping = started.elapsed();

    // Meanwhile-stalled subscriber or not: 100 clients at once get answers.
    let started = Instant::now();
    for status in statuses_from_clients(&socket, 100) {
        assert_eq!(status["parameters"]["profile"], "Default", "{status}");
    }
    let answering = started.elapsed();
    assert!(
        answering < Duration::from_secs(10) && flipping < Duration::from_secs(60),
        "100 clients took {answering:?}, {FLIPS} calls {flipping:?}"
    );

    // Reading again: what the socket held, then how many were dropped,
    // then the feed goes on with new events.
    let deadline = Instant::now() + TIMEOUT;
    let missed = loop {
        assert!(Instant::now() < deadline, "no lagged notice");
        let reply = read_reply(&mut stalled_reader);
        assert_eq!(reply["continues"], true, "{reply}");
        if let Some(n) = reply["parameters"]["lagged"].as_u64() {
            break n;
        }
    };
    assert!(missed > 0);
    raw_call(
        &mut raw_connect(&socket),
        r#"{"method": "io.headroom.Router.SetParameter", "parameters": {"id": "ceiling", "value": -2.5}}"#,
    );
    loop {
        assert!(Instant::now() < deadline, "the feed did not go on");
        let reply = read_reply(&mut stalled_reader);
        if reply["parameters"]["event"]["kind"] == "parameter_changed" {
            assert_eq!(reply["parameters"]["event"]["value"], -2.5);
            break;
        }
    }
    // Hanging up ends the feed; the router carries on.
    drop((stalled_reader, stalled));
    let info = raw_call(
        &mut raw_connect(&socket),
        r#"{"method": "org.varlink.service.GetInfo"}"#,
    );
    assert_eq!(info["parameters"]["product"], "headroom-router");
    assert!(
        graph.try_status(router).unwrap().is_none(),
        "the router died"
    );
}
