//! Every type that holds a prover or key secret is wiped on drop
//! (docs/design.md §4.1 lists each secret and where it is wiped). The
//! checks are compile-time: a type listed here that stops implementing
//! `ZeroizeOnDrop` (say, a new field that is not wiped is added with the
//! marker removed, or the derive is dropped) fails the build of this test.
#![allow(clippy::unwrap_used)]

use curve25519_dalek::scalar::Scalar;
use rand_core::OsRng;
use urna_crypto::contest::ContestOpening;
use urna_crypto::dkg::{KeyShare, Trustee, TrusteeKeys};
use urna_crypto::{Nonce, SecretKey};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Compiles only for a type that is wiped on drop.
const fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}

/// Compiles only for a type that can be wiped in place.
const fn assert_zeroize<T: Zeroize>() {}

// The long-lived secrets: keys, ElGamal randomness, ballot openings, the
// trustees' ceremony state and key shares.
const _: () = assert_zeroize_on_drop::<SecretKey>();
const _: () = assert_zeroize_on_drop::<Nonce>();
const _: () = assert_zeroize_on_drop::<ContestOpening>();
const _: () = assert_zeroize_on_drop::<Trustee>();
const _: () = assert_zeroize_on_drop::<TrusteeKeys>();
const _: () = assert_zeroize_on_drop::<KeyShare>();
// The provers' short-lived secrets are held in `Zeroizing<…>` of these.
const _: () = assert_zeroize_on_drop::<Zeroizing<Scalar>>();
const _: () = assert_zeroize_on_drop::<Zeroizing<Vec<(Scalar, Scalar)>>>();
const _: () = assert_zeroize_on_drop::<Zeroizing<Vec<u64>>>();
const _: () = assert_zeroize::<Scalar>();

#[test]
fn a_wiped_scalar_and_nonce_are_zero() {
    // What `Zeroizing` does on drop, observed in place.
    let mut w = Zeroizing::new(Scalar::from(12_345u64));
    w.zeroize();
    assert_eq!(*w, Scalar::ZERO);
    let k = SecretKey::generate(&mut OsRng);
    let (_, mut r) = k.public_key().encrypt(1, &mut OsRng);
    r.zeroize();
    assert_eq!(r.reveal(), Scalar::ZERO);
}
