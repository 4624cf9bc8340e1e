//! The clinical audit: named rules a military physician would check on generated patients.
