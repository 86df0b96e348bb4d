//! Typed codec errors, each mapped onto the `@GlobalScope.Error` code Godot returns for it.

use crate::error_code::ErrorCode;

/// Why [`decode_variant`](crate::decode_variant) (or a related decoder) refused its input.
///
/// `offset` is the byte offset, from the start of the buffer handed to the decoder, of the field
/// that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
#[non_exhaustive]
pub struct DecodeError {
    /// Byte offset of the offending field.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }

    /// Godot's error code for the same failure (`ERR_INVALID_DATA`, `ERR_FILE_EOF`, …).
    pub fn code(&self) -> ErrorCode {
        self.kind.code()
    }
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A fixed-size field runs past the end of the input.
    #[error("truncated {what}: needs {needed} bytes, {available} left")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// A string's declared length (plus padding) runs past the end of the input.
    #[error("{what} of {declared} bytes (padded) does not fit in the {available} bytes left")]
    StringTooLong {
        /// The field being read.
        what: &'static str,
        /// Declared length plus padding.
        declared: u64,
        /// Bytes left in the input.
        available: usize,
    },
    /// Byte 0 of a header is not a Godot 4 `Variant::Type`.
    #[error("unknown variant type id {0}")]
    UnknownType(u32),
    /// A count or length field is negative when read as Godot's `int32_t`.
    #[error("negative {what} {value}")]
    NegativeLength {
        /// The field being read.
        what: &'static str,
        /// The value read.
        value: i32,
    },
    /// A declared element count needs more bytes than the input has left. Checked before any
    /// allocation.
    #[error("{what} declares {count} elements needing at least {needed} bytes, {available} left")]
    CountTooLarge {
        /// The field being read.
        what: &'static str,
        /// Declared count.
        count: u64,
        /// Minimum bytes that many elements need.
        needed: u64,
        /// Bytes left in the input.
        available: usize,
    },
    /// String bytes are not valid UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field being read.
        what: &'static str,
    },
    /// A `NodePath` in the pre-4.0 "plain string" format (high bit of the name count clear).
    #[error("node path in the obsolete string format")]
    ObsoleteNodePath,
    /// A fully encoded object while objects are not allowed (`allow_objects` off).
    #[error("object decoding is not allowed")]
    ObjectsNotAllowed,
    /// Containers nested deeper than the decoder's limit.
    #[error("values nested deeper than {max} levels")]
    TooDeep {
        /// The limit in force.
        max: usize,
    },
    /// A typed container's element type is not valid.
    #[error("invalid container element type: {0}")]
    InvalidContainerType(String),
    /// A compressed integer or bool meta byte that cannot be decoded.
    #[error("invalid compressed value meta byte {0:#04x}")]
    InvalidMeta(u8),
    /// Raw RPC arguments with an argument count other than 0 or 1.
    #[error("raw argument buffer cannot hold {0} arguments")]
    InvalidRawArgc(usize),
    /// Bytes left over after the value (only reported by callers that ask for it).
    #[error("{0} trailing bytes after the value")]
    TrailingBytes(usize),
}

impl DecodeErrorKind {
    /// Godot's error code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::StringTooLong { .. } => ErrorCode::FileEof,
            Self::ObjectsNotAllowed => ErrorCode::Unauthorized,
            Self::TooDeep { .. } => ErrorCode::OutOfMemory,
            _ => ErrorCode::InvalidData,
        }
    }
}

/// Why [`encode_variant`](crate::encode_variant) (or a related encoder) refused a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Containers nested deeper than [`MAX_DECODE_DEPTH`](crate::MAX_DECODE_DEPTH): the peer
    /// would refuse it (Godot fails with `ERR_OUT_OF_MEMORY` past its own limit).
    #[error("values nested deeper than {max} levels")]
    TooDeep {
        /// The limit in force.
        max: usize,
    },
    /// A string, array or byte length does not fit Godot's signed 32-bit length fields.
    #[error("{what} of {len} elements exceeds the 2^31-1 limit of the format")]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A full object (`ObjectValue::Full`) while `full_objects` is off: Godot would send an
    /// instance id, which a full object does not carry.
    #[error("full object of class {class} needs full_objects encoding")]
    FullObjectNotAllowed {
        /// The object's class.
        class: String,
    },
    /// A script-typed container whose script path does not start with `res://`
    /// (Godot: `ERR_UNAVAILABLE`).
    #[error("container script path {0:?} is not a res:// path")]
    ScriptPathNotResource(String),
    /// More than 255 RPC arguments (the argument count is one byte).
    #[error("{0} arguments: at most 255 fit an RPC")]
    TooManyArguments(usize),
}

impl EncodeError {
    /// Godot's error code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooDeep { .. } => ErrorCode::OutOfMemory,
            Self::TooLong { .. } | Self::TooManyArguments(_) => ErrorCode::InvalidParameter,
            Self::FullObjectNotAllowed { .. } => ErrorCode::Unauthorized,
            Self::ScriptPathNotResource(_) => ErrorCode::Unavailable,
        }
    }
}
