/*
 * compat.c - the C symbols that release 0.1.0's install script names
 *
 * Release 0.1.0 (git commit 5c280a8, sql/topembed--0.1.0.sql) binds its
 * functions to symbols of the form te_<name> or te_<name>_fn.  Since 0.2.0
 * the SQL-callable functions are named topembed_<name>; a database still on
 * 0.1.0's SQL (before ALTER EXTENSION topembed UPDATE) keeps calling the old
 * symbols, so each stays exported here as a thin alias of its new one.
 * Serves release 0.1.0; remove with the release that stops supporting an
 * upgrade from it.
 */
#include "topembed.h"

/*
 * TE_COMPAT_ALIAS(old, new): export the version-1 function "old" that hands
 * its call, arguments and context unchanged to "new"
 */
#define TE_COMPAT_ALIAS(old, new) \
	extern Datum new(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(old); \
	Datum old(PG_FUNCTION_ARGS) { return new(fcinfo); } \
	extern int no_such_variable

TE_COMPAT_ALIAS(te_barcode_svg, topembed_barcode_svg);
TE_COMPAT_ALIAS(te_betti_curve_fn, topembed_betti_curve);
TE_COMPAT_ALIAS(te_betti_curve_svg, topembed_betti_curve_svg);
TE_COMPAT_ALIAS(te_betti_numbers_fn, topembed_betti_numbers);
TE_COMPAT_ALIAS(te_bottleneck_distance_fn, topembed_bottleneck_distance);
TE_COMPAT_ALIAS(te_check_embedding, topembed_check_embedding);
TE_COMPAT_ALIAS(te_diagram_svg, topembed_diagram_svg);
TE_COMPAT_ALIAS(te_gap_combinefn, topembed_gap_combinefn);
TE_COMPAT_ALIAS(te_gap_finalfn, topembed_gap_finalfn);
TE_COMPAT_ALIAS(te_gap_from_moments, topembed_gap_from_moments);
TE_COMPAT_ALIAS(te_gap_one_transfn, topembed_gap_one_transfn);
TE_COMPAT_ALIAS(te_gap_pair_transfn, topembed_gap_pair_transfn);
TE_COMPAT_ALIAS(te_gap_state_in, topembed_gap_state_in);
TE_COMPAT_ALIAS(te_gap_state_out, topembed_gap_state_out);
TE_COMPAT_ALIAS(te_gap_state_recv, topembed_gap_state_recv);
TE_COMPAT_ALIAS(te_gap_state_send, topembed_gap_state_send);
TE_COMPAT_ALIAS(te_l2_normalize, topembed_l2_normalize);
TE_COMPAT_ALIAS(te_moments_combinefn, topembed_moments_combinefn);
TE_COMPAT_ALIAS(te_moments_covariance, topembed_moments_covariance);
TE_COMPAT_ALIAS(te_moments_dim, topembed_moments_dim);
TE_COMPAT_ALIAS(te_moments_finalfn, topembed_moments_finalfn);
TE_COMPAT_ALIAS(te_moments_in, topembed_moments_in);
TE_COMPAT_ALIAS(te_moments_mean_fn, topembed_moments_mean);
TE_COMPAT_ALIAS(te_moments_n, topembed_moments_count);
TE_COMPAT_ALIAS(te_moments_out, topembed_moments_out);
TE_COMPAT_ALIAS(te_moments_recv, topembed_moments_recv);
TE_COMPAT_ALIAS(te_moments_send, topembed_moments_send);
TE_COMPAT_ALIAS(te_moments_transfn, topembed_moments_transfn);
TE_COMPAT_ALIAS(te_pca_components, topembed_pca_components);
TE_COMPAT_ALIAS(te_pca_project, topembed_pca_project);
TE_COMPAT_ALIAS(te_persistence_combinefn, topembed_persistence_combinefn);
TE_COMPAT_ALIAS(te_persistence_deserialfn, topembed_persistence_deserialfn);
TE_COMPAT_ALIAS(te_persistence_entropy_fn, topembed_persistence_entropy);
TE_COMPAT_ALIAS(te_persistence_finalfn, topembed_persistence_finalfn);
TE_COMPAT_ALIAS(te_persistence_from_distances, topembed_persistence_from_distances);
TE_COMPAT_ALIAS(te_persistence_landscape_fn, topembed_persistence_landscape);
TE_COMPAT_ALIAS(te_persistence_serialfn, topembed_persistence_serialfn);
TE_COMPAT_ALIAS(te_persistence_transfn, topembed_persistence_transfn);
TE_COMPAT_ALIAS(te_spectra_svg, topembed_spectra_svg);
TE_COMPAT_ALIAS(te_spectral_collapse_finalfn, topembed_spectral_collapse_finalfn);
TE_COMPAT_ALIAS(te_spectrum, topembed_spectrum);
TE_COMPAT_ALIAS(te_spectrum_svg, topembed_spectrum_svg);
TE_COMPAT_ALIAS(te_synthetic_pairs, topembed_synthetic_pairs);
TE_COMPAT_ALIAS(te_total_persistence_fn, topembed_total_persistence);
TE_COMPAT_ALIAS(te_wasserstein_distance_fn, topembed_wasserstein_distance);
