//! Typed RPC arguments: tuples of [`FromVariant`] types on the receiving side.

use netscene_variant::{FromVariant, Variant};

use crate::handler::CallError;

/// A tuple of handler parameters decoded from the RPC arguments, with Godot's checks
/// (exact count, each argument convertible to its parameter type).
pub trait FromRpcArgs: Sized {
    /// Converts the arguments, or says which one does not fit.
    fn from_rpc_args(args: &[Variant]) -> Result<Self, CallError>;
}

fn check_count(args: &[Variant], expected: usize) -> Result<(), CallError> {
    let got = args.len();
    if got < expected {
        Err(CallError::TooFewArguments { expected, got })
    } else if got > expected {
        Err(CallError::TooManyArguments { expected, got })
    } else {
        Ok(())
    }
}

fn convert<T: FromVariant>(args: &[Variant], index: usize) -> Result<T, CallError> {
    T::from_variant(&args[index]).ok_or_else(|| CallError::InvalidArgument {
        index,
        expected: std::any::type_name::<T>(),
        got: args[index].get_type(),
    })
}

macro_rules! tuple_from_rpc_args {
    ($count:expr; $($name:ident $index:tt),*) => {
        impl<$($name: FromVariant),*> FromRpcArgs for ($($name,)*) {
            #[allow(unused_variables)]
            fn from_rpc_args(args: &[Variant]) -> Result<Self, CallError> {
                check_count(args, $count)?;
                Ok(($(convert::<$name>(args, $index)?,)*))
            }
        }
    };
}

tuple_from_rpc_args!(0;);
tuple_from_rpc_args!(1; A 0);
tuple_from_rpc_args!(2; A 0, B 1);
tuple_from_rpc_args!(3; A 0, B 1, C 2);
tuple_from_rpc_args!(4; A 0, B 1, C 2, D 3);
tuple_from_rpc_args!(5; A 0, B 1, C 2, D 3, E 4);
tuple_from_rpc_args!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_rpc_args!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_rpc_args!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Builds a `[Variant; N]` argument list from Rust values: `args!["hi", 5, 1.5]`.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        [$($crate::Variant::from($value)),*]
    };
}
