//! What an app can be routed to from the tray's menu and the monitor's
//! `r`: processed, each of the profile's stereo buses, bypass. Surround
//! buses are left out: 5.1 and 7.1 streams reach them by the profile's
//! `multichannel`, not by an app's route.

use headroom_client::{Bus, BusLayout, Route};

/// The names of the buses an app may be routed to: the stereo ones, in
/// the profile's order.
pub fn pickable_buses(buses: &[Bus]) -> Vec<String> {
    buses
        .iter()
        .filter(|b| b.layout == BusLayout::Stereo)
        .map(|b| b.name.clone())
        .collect()
}

/// Every route an app may be given, in order: processed (the default
/// bus), each of `buses` (from [`pickable_buses`]), bypass.
pub fn route_choices(buses: &[String]) -> Vec<(Route, Option<String>)> {
    std::iter::once((Route::Processed, None))
        .chain(buses.iter().map(|b| (Route::Processed, Some(b.clone()))))
        .chain(std::iter::once((Route::Bypass, None)))
        .collect()
}

/// A bus of `layout` called `name`, idle, as status shows one: for tests.
#[cfg(test)]
pub fn idle_bus(name: &str, layout: BusLayout) -> Bus {
    Bus {
        name: name.into(),
        sink: format!("headroom.processed.bus.{name}"),
        description: format!("headroom ({name})"),
        node: None,
        streams: 0,
        problem: None,
        meters: None,
        layout,
    }
}
