//! A bounds-checked little-endian cursor: every read either returns the bytes or a typed error
//! naming the field and its offset, so the decoders built on it cannot panic.

use crate::error::{DecodeError, DecodeErrorKind};

/// Cursor over the input of one decode call.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the caller's buffer, so errors report caller offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Caller-relative offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset(), kind)
    }

    /// Takes the next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(bytes) => {
                self.pos += n;
                Ok(bytes)
            }
            None => Err(self.error(DecodeErrorKind::Truncated {
                what,
                needed: n,
                available: self.remaining(),
            })),
        }
    }

    /// Takes the next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array::<4>(what).map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.array::<8>(what).map(u64::from_le_bytes)
    }

    /// A count or length read as Godot's `int32_t`: negative values are refused.
    pub(crate) fn count(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let at = self.offset();
        let value = self.u32(what)? as i32;
        if value < 0 {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::NegativeLength { what, value },
            ));
        }
        Ok(value as usize)
    }

    /// Checks that `count` elements of at least `min_size` bytes each can still be present,
    /// before anything is allocated for them. `at` is the offset of the count field.
    pub(crate) fn check_count(
        &self,
        at: usize,
        what: &'static str,
        count: usize,
        min_size: usize,
    ) -> Result<(), DecodeError> {
        let needed = (count as u64).saturating_mul(min_size as u64);
        if needed > self.remaining() as u64 {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::CountTooLarge {
                    what,
                    count: count as u64,
                    needed,
                    available: self.remaining(),
                },
            ));
        }
        Ok(())
    }

    /// A Godot string: u32 byte length, UTF-8 bytes, zero padding to 4.
    ///
    /// As Godot's UTF-8 parser does, the text ends at the first NUL and a leading BOM is skipped.
    pub(crate) fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let at = self.offset();
        let raw = self.u32(what)? as i32;
        if raw < 0 {
            // Godot reports a bad string length as ERR_FILE_EOF.
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::StringTooLong {
                    what,
                    declared: u64::from(raw as u32),
                    available: self.remaining(),
                },
            ));
        }
        let len = raw as usize;
        let padded = len.next_multiple_of(4);
        if padded > self.remaining() {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::StringTooLong {
                    what,
                    declared: padded as u64,
                    available: self.remaining(),
                },
            ));
        }
        let text_at = self.offset();
        let bytes = self.take(padded, what)?;
        let mut text = &bytes[..len];
        if let Some(nul) = text.iter().position(|&b| b == 0) {
            text = &text[..nul];
        }
        if let Some(rest) = text.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            text = rest;
        }
        match std::str::from_utf8(text) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(DecodeError::new(
                text_at,
                DecodeErrorKind::InvalidUtf8 { what },
            )),
        }
    }
}
