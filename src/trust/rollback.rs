//! Listings never go back on a server: a bundle built from a listing whose
//! serial is lower than the highest this machine has installed from (per
//! vendor and listing name, as the record keeps every listing received) is
//! refused unless the operator allows it, the rollback attack TUF names.

use super::Error;
use crate::package::Package;
use crate::state::Record;
use crate::text::escaped;

/// Refuses `package` when one of its listings is older than one installed
/// from (same vendor and name), unless `allow_older`.
pub fn serial_guard(record: &Record, package: &Package, allow_older: bool) -> Result<(), Error> {
    if allow_older {
        return Ok(());
    }
    for l in &package.listings {
        let highest = record
            .listings
            .iter()
            .filter(|r| r.vendor == l.vendor && r.name == l.name)
            .map(|r| r.serial)
            .max();
        if let Some(highest) = highest
            && highest > l.serial
        {
            return Err(Error::OlderListing {
                vendor: escaped(&l.vendor).into_owned(),
                name: escaped(&l.name).into_owned(),
                serial: l.serial,
                installed: highest,
            });
        }
    }
    Ok(())
}
