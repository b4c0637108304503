//! The model of `http1:` streams (see the parent module): not yet written.

use super::Model;
use crate::http1::Http1;

/// Every message of `stream`.
pub(super) fn model(_h: &Http1, _max: usize, _stream: &[u8], _ended: bool) -> Model {
    unimplemented!("the http1 model is not written yet")
}
