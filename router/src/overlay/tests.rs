use super::*;
use crate::profile_watch::SETTLE;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headroom-overlay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join(ROUTES_FILE)
}

#[test]
fn set_and_unset_keep_comments_order_and_one_route_per_app() {
    let path = temp("edit");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        "# mine\n[[route]]\napp = \"Spotify\" # music\nroute = \"bypass\"\n",
    )
    .unwrap();
    let mut routes = UserRoutes::load(Some(path.clone()));
    assert_eq!(routes.routes.len(), 1);
    routes.set("firefox", Route::Bypass).unwrap();
    routes.set("SPOTIFY", Route::Processed).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# mine\n"), "{text}");
    assert_eq!(
        routes.routes,
        [
            UserRoute {
                app: "SPOTIFY".into(),
                route: Route::Processed
            },
            UserRoute {
                app: "firefox".into(),
                route: Route::Bypass
            },
        ]
    );
    assert_eq!(UserRoutes::load(Some(path.clone())).routes, routes.routes);
    assert!(!routes.poll(), "its own writes are not news");
    assert!(routes.unset("Firefox").unwrap());
    assert!(!routes.unset("firefox").unwrap());
    assert_eq!(routes.routes.len(), 1);
    // Removing every route keeps the comments; the next route goes below them.
    routes.unset("spotify").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# mine\n") && !text.contains("[[route]]"),
        "{text}"
    );
    routes.set("SPOTIFY", Route::Processed).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# mine\n"), "{text}");
    assert!(text.contains("[[route]]\napp = \"SPOTIFY\""), "{text}");
    let rules = routes.overlay().routes;
    let stream = headroom_profile::StreamInfo {
        binary: Some("spotify"),
        ..Default::default()
    };
    assert!(rules[0].matches(&stream));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_broken_file_is_located_and_never_overwritten() {
    let path = temp("broken");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let broken = "[[route]]\napp = \"x\"\nroute = \"bypas\"\n";
    std::fs::write(&path, broken).unwrap();
    let mut routes = UserRoutes::load(Some(path.clone()));
    let problem = routes.error.clone().unwrap();
    assert_eq!((problem.line, problem.column), (Some(3), Some(9)));
    assert!(
        problem.message.contains("found \"bypas\"")
            && problem.message.contains("did you mean \"bypass\"?"),
        "{problem:?}"
    );
    assert!(routes.routes.is_empty());
    match routes.set("y", Route::Bypass) {
        Err(RoutesError::Invalid(p)) => assert_eq!(p, problem),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    std::fs::write(&path, "route = 3").unwrap();
    let problem = UserRoutes::load(Some(path.clone())).error.unwrap();
    assert_eq!((problem.line, problem.column), (Some(1), Some(9)));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn hand_edits_are_picked_up_once_settled() {
    let path = temp("poll");
    let mut routes = UserRoutes::load(Some(path.clone()));
    assert!(!routes.poll());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "[[route]]\napp = \"vlc\"\nroute = \"bypass\"\n").unwrap();
    assert!(!routes.poll(), "not settled yet");
    std::thread::sleep(SETTLE);
    assert!(routes.poll());
    assert_eq!(routes.routes[0].app, "vlc");
    assert!(!routes.poll());
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_missing_file_is_no_routes_and_the_first_set_creates_it() {
    let path = temp("new");
    let mut routes = UserRoutes::load(Some(path.clone()));
    assert_eq!((routes.routes.len(), routes.error.is_none()), (0, true));
    routes.set("Some Game", Route::Bypass).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# Headroom's per-app routes"), "{text}");
    assert!(
        text.contains("[[route]]\napp = \"Some Game\"\nroute = \"bypass\"\n"),
        "{text}"
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_failed_save_changes_nothing() {
    // A directory where the temp file must go: the write fails.
    let path = temp("blocked");
    let blocker = path
        .parent()
        .unwrap()
        .join(format!(".{ROUTES_FILE}.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&blocker).unwrap();
    let mut routes = UserRoutes::load(Some(path.clone()));
    match routes.set("vlc", Route::Bypass) {
        Err(RoutesError::SaveFailed { file, message }) => {
            assert_eq!(file, path.display().to_string());
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(routes.routes.is_empty() && routes.error.is_none());
    assert!(!path.exists());
    let mut nowhere = UserRoutes::load(None);
    assert!(matches!(
        nowhere.set("vlc", Route::Bypass),
        Err(RoutesError::SaveFailed { .. })
    ));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn layer_a_choices_sit_beside_the_routes_and_come_off_again() {
    let path = temp("layer-a");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        "# mine\n[[route]]\napp = \"Spotify\"\nroute = \"bypass\"\n",
    )
    .unwrap();
    let mut routes = UserRoutes::load(Some(path.clone()));
    assert!(routes.set_layer_a("Firefox", Some(false)).unwrap());
    assert!(
        !routes.set_layer_a("Firefox", Some(false)).unwrap(),
        "no change"
    );
    assert!(routes.set_layer_a("Spotify", Some(true)).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# mine\n[[route]]"), "{text}");
    assert!(
        text.contains("[[layer_a]]\napp = \"Firefox\"\nenabled = false\n"),
        "{text}"
    );
    let again = UserRoutes::load(Some(path.clone()));
    assert_eq!(again.layer_a, routes.layer_a);
    assert_eq!(again.routes.len(), 1, "the route is untouched");
    assert_eq!(again.layer_a_of("Firefox"), Some(false));
    // As rules: the choice matches by name or binary and sets only Layer A.
    let overlay = again.overlay();
    let firefox = headroom_profile::StreamInfo {
        binary: Some("firefox"),
        ..Default::default()
    };
    assert!(overlay.layer_a[0].matches(&firefox));
    assert_eq!(overlay.layer_a[0].layer_a().enabled, Some(false));
    assert_eq!(overlay.routes.len(), 1);
    // Forgetting it; removing a route leaves the choice alone.
    assert!(routes.set_layer_a("firefox", None).unwrap());
    assert!(!routes.set_layer_a("firefox", None).unwrap());
    assert!(routes.unset("Spotify").unwrap());
    assert_eq!(routes.layer_a_of("Spotify"), Some(true));
    assert!(routes.routes.is_empty());
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_bad_layer_a_choice_is_located() {
    let problem = parse(
        "[[layer_a]]\napp = \"x\"\nenabled = \"yes\"\n",
        "routes.toml",
    )
    .unwrap_err();
    assert_eq!((problem.line, problem.column), (Some(3), Some(11)));
    assert!(problem.message.contains("true or false"), "{problem:?}");
    let problem = parse("[[layer_a]]\napp = \"x\"\n", "routes.toml").unwrap_err();
    assert!(
        problem.message.contains("`enabled` is missing"),
        "{problem:?}"
    );
    let problem = parse("[[layer_a]]\napp = \"x\"\nroute = \"bypass\"\n", "r").unwrap_err();
    assert!(
        problem.message.contains("unknown key `route`"),
        "{problem:?}"
    );
    let problem = parse("[[layers]]\napp = \"x\"\n", "r").unwrap_err();
    assert!(
        problem.message.contains("[[route]] and [[layer_a]]"),
        "{problem:?}"
    );
}
