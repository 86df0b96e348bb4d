//! Godot's `@GlobalScope.Error` values, for mapping netscene errors onto the codes Godot users know.

/// The subset of Godot's `Error` enum that the multiplayer stack returns, with Godot's numbers.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    Failed = 1,
    Unavailable = 2,
    Unconfigured = 3,
    Unauthorized = 4,
    ParameterRangeError = 5,
    OutOfMemory = 6,
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
}
