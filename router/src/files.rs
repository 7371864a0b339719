//! The router's file-system edge: one thread that does every read, poll
//! and write of the daemon's files, so the event loop never waits on the
//! file system, however slow or stuck it is (a network home directory, a
//! FIFO where a temp file should go, a disk that stalls).
//!
//! The loop sends [`FileJob`]s ([`FileWorker`]'s methods, which never
//! block) and hears back [`FileEvent`]s, which `State::on_file_event`
//! folds in (`file_events.rs`). Guarantees:
//! - **In order.** Jobs run one at a time, in the order they were sent, so
//!   two quick saves of one file land in that order and the last wins;
//!   each routes edit applies to the file as the previous one left it.
//! - **Atomic, with set modes.** Every write goes through
//!   [`headroom_files::write_atomically`]: the file holds its old or its
//!   new contents, never a mix; a new file is 0644, an existing one keeps
//!   its mode, whatever the umask.
//! - **Answered after the write.** A job that saves reports back only
//!   once its write has completed or failed; the caller's reply waits for
//!   that report, other calls do not.
//! - **Polled here.** The live reload of the active profile
//!   ([`ProfileWatch`]) and of `routes.toml` ([`UserRoutes::poll`]) run on
//!   this thread every [`POLL`]; their own writes are never reported as
//!   hand edits.
//!
//! The thread is never joined: a write stuck in the kernel must not hold
//! up the daemon's exit either. It ends when the daemon drops its
//! [`FileWorker`] (after its current job) or stops listening.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use headroom_dsp::ParamId;
use headroom_profile::{Profile, ProfileError, SearchPath};
use tokio::sync::mpsc;

use crate::device_profiles::Wanted;
use crate::devices_file::{DevicesFile, DevicesSaveError};
use crate::overlay::{RoutesEdit, RoutesError, UserRoutes};
use crate::profile_save::{SaveError, Saved};
use crate::profile_watch::ProfileWatch;

/// How often the profile and the routes file are looked at.
pub const POLL: Duration = Duration::from_millis(100);

/// What runs once a routes edit has been written (or has failed), inside
/// the loop, on the loop's state `S`: `Ok` carries the edit's own result
/// (e.g. whether a route was there to remove).
pub(crate) type RoutesDone<S> = Box<dyn FnOnce(&mut S, Result<bool, RoutesError>) + Send>;

/// Why a profile is read again on request.
#[derive(Debug)]
pub(crate) enum Reload {
    /// `ReloadProfiles`: answered with the outcome.
    Call(crate::varlink::Reply),
    /// SIGHUP (`systemctl --user reload headroom`).
    Signal,
}

/// A `SetParameter` with `save` waiting for its write.
#[derive(Debug)]
pub(crate) struct ParameterSave {
    pub param: ParamId,
    pub value: f32,
    pub reply: crate::varlink::Reply,
}

/// Work for the file thread; `S` is the loop's state, which routes edits'
/// continuations run on.
pub(crate) enum FileJob<S> {
    /// Follow profile `arg` (loaded from `loaded_from`) from now on; its
    /// live reloads carry `generation`.
    WatchProfile {
        arg: String,
        loaded_from: Option<PathBuf>,
        generation: u64,
    },
    /// Read profile `arg` now.
    LoadProfile {
        arg: String,
        generation: u64,
        why: Reload,
    },
    /// Apply `edit` to `routes.toml` as it is now, check and write it.
    EditRoutes {
        edit: RoutesEdit,
        done: RoutesDone<S>,
    },
    /// Write one `[dsp]` value into `profile`'s file (see
    /// [`crate::profile_save`]); the watch then follows the written file.
    SaveParameter {
        profile: Box<Profile>,
        profile_arg: String,
        generation: u64,
        save: ParameterSave,
    },
    /// Write `value` into the state directory's file `name`; a failure is
    /// only logged (what is remembered is a convenience for the next start).
    Remember { name: &'static str, value: String },
    /// Load the profile the output device asks for (`wanted`).
    LoadForDevice { wanted: Wanted },
    /// Make `profile` the one for output device `device` in
    /// `devices.toml` (`UseProfile` with `for_device`).
    SaveForDevice {
        device: String,
        profile: String,
        reply: crate::varlink::Reply,
        answer: crate::varlink::Answer,
    },
}

/// What the file thread reports back to the loop.
pub(crate) enum FileEvent<S> {
    /// The active profile's file changed and settled: the new profile, or
    /// why it cannot be used.
    ProfileEdited {
        generation: u64,
        loaded: Result<Profile, ProfileError>,
    },
    /// A [`FileJob::LoadProfile`] was done.
    ProfileLoaded {
        generation: u64,
        loaded: Result<Profile, ProfileError>,
        why: Reload,
    },
    /// A hand edit of `routes.toml` settled: the file as it is now.
    RoutesEdited(UserRoutes),
    /// A [`FileJob::EditRoutes`] was done: the file as it is now, and how
    /// the edit went.
    RoutesSaved {
        routes: UserRoutes,
        outcome: Result<bool, RoutesError>,
        done: RoutesDone<S>,
    },
    /// A [`FileJob::SaveParameter`] was done.
    ParameterSaved {
        generation: u64,
        saved: Result<Saved, SaveError>,
        save: ParameterSave,
    },
    /// `devices.toml` as it is now (at start, after a hand edit or a
    /// save): the rules in force and why a newer version is not.
    DevicesChanged(DevicesFile),
    /// A [`FileJob::LoadForDevice`] was done.
    DeviceProfileLoaded {
        wanted: Wanted,
        loaded: Result<Profile, ProfileError>,
    },
    /// A [`FileJob::SaveForDevice`] was done; `answer` is the
    /// `UseProfile` reply to send when it worked.
    DeviceSaved {
        device: String,
        saved: Result<(), DevicesSaveError>,
        reply: crate::varlink::Reply,
        answer: crate::varlink::Answer,
    },
}

/// The loop's handle on the file thread. Sending never blocks.
pub(crate) struct FileWorker<S> {
    jobs: std_mpsc::Sender<FileJob<S>>,
}

impl<S: 'static> FileWorker<S> {
    /// Starts the thread with the routes file as the daemon loaded it
    /// (`routes`), and profiles found on `search`. No profile is watched
    /// until the first [`FileJob::WatchProfile`]. `devices` is
    /// `devices.toml` (`None`: none is used); it is loaded on the thread
    /// and reported first of all.
    pub(crate) fn start(
        routes: UserRoutes,
        search: SearchPath,
        devices: Option<PathBuf>,
    ) -> (FileWorker<S>, mpsc::UnboundedReceiver<FileEvent<S>>) {
        let (jobs, inbox) = std_mpsc::channel();
        let (events, outbox) = mpsc::unbounded_channel();
        let thread = Thread {
            search,
            routes,
            watch: None,
            devices: DevicesFile::unread(devices),
            events,
            delay: test_delay(),
        };
        std::thread::Builder::new()
            .name("headroom-files".into())
            .spawn(move || thread.run(inbox))
            .expect("cannot start the file thread");
        (FileWorker { jobs }, outbox)
    }

    /// Queues `job`. The thread only ends after the loop, so a failure
    /// means the daemon is stopping and nothing waits for the job.
    pub(crate) fn send(&self, job: FileJob<S>) {
        let _ = self.jobs.send(job);
    }
}

/// The test aid: `HEADROOM_TEST_FILE_DELAY_MS` makes every job and every
/// poll of the file thread take that much longer, as on a slow file
/// system. Only debug builds read it; release builds ignore it.
fn test_delay() -> Duration {
    if !cfg!(debug_assertions) {
        return Duration::ZERO;
    }
    std::env::var("HEADROOM_TEST_FILE_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis)
}

/// What the file thread owns.
struct Thread<S> {
    search: SearchPath,
    /// `routes.toml` as last read or written here.
    routes: UserRoutes,
    /// The active profile's watch and its generation.
    watch: Option<(ProfileWatch, u64)>,
    /// `devices.toml` as last read or written here.
    devices: DevicesFile,
    events: mpsc::UnboundedSender<FileEvent<S>>,
    delay: Duration,
}

impl<S> Thread<S> {
    fn run(mut self, inbox: std_mpsc::Receiver<FileJob<S>>) {
        if self.devices.path.is_some() {
            self.devices = DevicesFile::load(self.devices.path.take(), &self.search);
            self.report(FileEvent::DevicesChanged(self.devices.clone()));
        }
        let mut polled = Instant::now();
        loop {
            let wait = POLL.saturating_sub(polled.elapsed());
            match inbox.recv_timeout(wait) {
                Ok(job) => {
                    self.slow_down();
                    self.run_job(job);
                }
                Err(std_mpsc::RecvTimeoutError::Timeout) => {}
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            }
            if polled.elapsed() >= POLL {
                self.slow_down();
                self.poll();
                polled = Instant::now();
            }
            if self.events.is_closed() {
                return;
            }
        }
    }

    fn slow_down(&self) {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
    }

    fn report(&self, event: FileEvent<S>) {
        let _ = self.events.send(event);
    }

    fn run_job(&mut self, job: FileJob<S>) {
        match job {
            FileJob::WatchProfile {
                arg,
                loaded_from,
                generation,
            } => {
                let watch = ProfileWatch::new(&arg, self.search.clone(), loaded_from.as_deref());
                self.watch = Some((watch, generation));
            }
            FileJob::LoadProfile {
                arg,
                generation,
                why,
            } => {
                let loaded = self.search.load(&arg);
                self.report(FileEvent::ProfileLoaded {
                    generation,
                    loaded,
                    why,
                });
            }
            FileJob::EditRoutes { edit, done } => {
                let outcome = self.routes.change(edit);
                self.report(FileEvent::RoutesSaved {
                    routes: self.routes.clone(),
                    outcome,
                    done,
                });
            }
            FileJob::SaveParameter {
                profile,
                profile_arg,
                generation,
                save,
            } => {
                let saved = crate::profile_save::save_parameter(
                    &profile,
                    &profile_arg,
                    &self.search,
                    save.param,
                    save.value,
                );
                if let Ok(saved) = &saved {
                    // Live reload starts from the written file: it must
                    // not fire for our own write.
                    if self.watch.as_ref().is_some_and(|(_, g)| *g == generation) {
                        let watch = ProfileWatch::new(
                            &saved.profile_arg,
                            self.search.clone(),
                            Some(&saved.path),
                        );
                        self.watch = Some((watch, generation));
                    }
                }
                self.report(FileEvent::ParameterSaved {
                    generation,
                    saved,
                    save,
                });
            }
            FileJob::Remember { name, value } => {
                if let Err(e) = crate::state_dir::write(name, &value) {
                    tracing::warn!("cannot remember {name} for the next start: {e}");
                }
            }
            FileJob::LoadForDevice { wanted } => {
                let loaded = self.search.load(&wanted.profile);
                self.report(FileEvent::DeviceProfileLoaded { wanted, loaded });
            }
            FileJob::SaveForDevice {
                device,
                profile,
                reply,
                answer,
            } => {
                let saved = self
                    .devices
                    .save_for_device(&device, &profile, &self.search);
                if saved.is_ok() {
                    self.report(FileEvent::DevicesChanged(self.devices.clone()));
                }
                self.report(FileEvent::DeviceSaved {
                    device,
                    saved,
                    reply,
                    answer,
                });
            }
        }
    }

    fn poll(&mut self) {
        if let Some((watch, generation)) = &mut self.watch {
            if let Some(loaded) = watch.poll() {
                let generation = *generation;
                self.report(FileEvent::ProfileEdited { generation, loaded });
            }
        }
        if self.routes.poll() {
            self.report(FileEvent::RoutesEdited(self.routes.clone()));
        }
        if self.devices.poll(&self.search) {
            self.report(FileEvent::DevicesChanged(self.devices.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_profile::Route;

    /// The test's stand-in for the loop's state: what the continuations saw.
    type Seen = Vec<(u32, Result<bool, RoutesError>)>;

    #[test]
    fn quick_saves_land_in_order_and_the_last_wins() {
        let dir = std::env::temp_dir().join(format!("headroom-files-order-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(crate::overlay::ROUTES_FILE);
        let search = SearchPath {
            user_dir: None,
            shipped_dirs: Vec::new(),
        };
        let (worker, mut events) =
            FileWorker::<Seen>::start(UserRoutes::load(Some(path.clone())), search, None);
        let edits = [
            crate::overlay::setting("Spotify", Route::Bypass),
            crate::overlay::setting("Firefox", Route::Bypass),
            crate::overlay::unsetting("Firefox"),
            crate::overlay::setting("Spotify", Route::Processed),
        ];
        for (n, edit) in (0u32..).zip(edits) {
            worker.send(FileJob::EditRoutes {
                edit,
                done: Box::new(move |seen: &mut Seen, outcome| seen.push((n, outcome))),
            });
        }
        let mut seen = Seen::new();
        let mut last = None;
        while seen.len() < 4 {
            match events.blocking_recv().expect("the file thread stopped") {
                FileEvent::RoutesSaved {
                    routes,
                    outcome,
                    done,
                } => {
                    done(&mut seen, outcome);
                    last = Some(routes);
                }
                _ => panic!("only routes saves were asked for"),
            }
        }
        let order: Vec<u32> = seen.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(seen[2].1, Ok(true), "Firefox's route was there to remove");
        let last = last.unwrap();
        assert_eq!(last.route_of("Spotify"), Some(Route::Processed));
        assert_eq!(last.route_of("Firefox"), None);
        // The file holds what the last save made, and reads back the same.
        assert_eq!(UserRoutes::load(Some(path)).routes, last.routes);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
