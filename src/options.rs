//! Options named by strings, the way the Python API spells them.
//!
//! [`named_options!`] declares such an enum once: its variants, their names, [`FromStr`] with an
//! error that lists the valid names, and `NAMES`, which the extension exports so that the Python
//! layer reads the names instead of copying them.
//!
//! [`FromStr`]: std::str::FromStr

/// Declares an option enum: `enum Name("argument") { Variant = "name", ... }`.
///
/// Generates the enum (`Debug, Clone, Copy, PartialEq, Eq, Hash`), `NAMES` (every name, in
/// declaration order), `name()` and `FromStr`, whose error names `argument`.
macro_rules! named_options {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($argument:literal) {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every name, as accepted by `from_str`, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name of this option.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(crate::Error::InvalidArgument {
                        argument: $argument.into(),
                        message: format!(
                            "unknown {} {other:?}; expected one of {:?}",
                            $argument,
                            Self::NAMES
                        ),
                    }),
                }
            }
        }
    };
}

pub(crate) use named_options;

#[cfg(test)]
mod tests {
    named_options! {
        /// A test option.
        enum Colour("colour") {
            Red = "red",
            Dark = "dark_blue",
        }
    }

    #[test]
    fn names_round_trip_and_errors_list_them() {
        for (&name, colour) in Colour::NAMES.iter().zip([Colour::Red, Colour::Dark]) {
            assert_eq!(name.parse::<Colour>().unwrap(), colour);
            assert_eq!(colour.name(), name);
        }
        let error = "blue".parse::<Colour>().unwrap_err().to_string();
        assert_eq!(
            error,
            r#"colour: unknown colour "blue"; expected one of ["red", "dark_blue"]"#
        );
    }
}
