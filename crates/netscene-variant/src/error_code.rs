//! Godot's `@GlobalScope.Error` values, for mapping netscene errors onto the codes Godot users know.

/// The subset of Godot's `Error` enum that the multiplayer stack returns, with Godot's numbers.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
#[non_exhaustive]
pub enum ErrorCode {
    Failed = 1,
    Unavailable = 2,
    Unconfigured = 3,
    Unauthorized = 4,
    ParameterRangeError = 5,
    OutOfMemory = 6,
    FileCantWrite = 13,
    FileCorrupt = 16,
    FileEof = 18,
    CantOpen = 19,
    CantCreate = 20,
    AlreadyInUse = 22,
    Timeout = 24,
    CantConnect = 25,
    CantResolve = 26,
    ConnectionError = 27,
    InvalidData = 30,
    InvalidParameter = 31,
    AlreadyExists = 32,
    DoesNotExist = 33,
    ParseError = 43,
    Busy = 44,
    Bug = 47,
}

impl ErrorCode {
    /// Godot's number for this error (`ERR_INVALID_DATA` = 30, …).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// Godot's constant name, e.g. `"ERR_INVALID_DATA"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Failed => "FAILED",
            Self::Unavailable => "ERR_UNAVAILABLE",
            Self::Unconfigured => "ERR_UNCONFIGURED",
            Self::Unauthorized => "ERR_UNAUTHORIZED",
            Self::ParameterRangeError => "ERR_PARAMETER_RANGE_ERROR",
            Self::OutOfMemory => "ERR_OUT_OF_MEMORY",
            Self::FileCantWrite => "ERR_FILE_CANT_WRITE",
            Self::FileCorrupt => "ERR_FILE_CORRUPT",
            Self::FileEof => "ERR_FILE_EOF",
            Self::CantOpen => "ERR_CANT_OPEN",
            Self::CantCreate => "ERR_CANT_CREATE",
            Self::AlreadyInUse => "ERR_ALREADY_IN_USE",
            Self::Timeout => "ERR_TIMEOUT",
            Self::CantConnect => "ERR_CANT_CONNECT",
            Self::CantResolve => "ERR_CANT_RESOLVE",
            Self::ConnectionError => "ERR_CONNECTION_ERROR",
            Self::InvalidData => "ERR_INVALID_DATA",
            Self::InvalidParameter => "ERR_INVALID_PARAMETER",
            Self::AlreadyExists => "ERR_ALREADY_EXISTS",
            Self::DoesNotExist => "ERR_DOES_NOT_EXIST",
            Self::ParseError => "ERR_PARSE_ERROR",
            Self::Busy => "ERR_BUSY",
            Self::Bug => "ERR_BUG",
        }
    }
}
