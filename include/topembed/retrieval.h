/*
 * retrieval.h - cross-modal retrieval and zero-shot classification by cosine
 *
 * Retrieval ranks, for every image, all texts by cosine similarity (and for
 * every text all images).  The rank of a query is 1 + the number of WRONG
 * candidates whose similarity is at least that of its best correct answer:
 * ties are broken against the correct answer, so the figures never flatter
 * a model and do not depend on the order of the rows.
 *
 * The similarities come from blocked float32 matrix products (cblas_sgemm)
 * over tiles of bounded size, never the whole n x m matrix.  A candidate
 * whose float32 similarity lies within a rigorous error bound of the
 * threshold is decided again with the exact double-precision dot product
 * of a fixed summation order, the same that gives the thresholds; so the
 * counts are those of that double-precision computation, whatever BLAS
 * does with the order of its sums.
 */
#ifndef TOPEMBED_RETRIEVAL_H
#define TOPEMBED_RETRIEVAL_H

#include "topembed/common.h"

typedef struct TeRetrievalResult
{
	int64_t		n_image;		/* image queries scored (those with a correct text) */
	int64_t		n_text;			/* text queries scored */
	int64_t	   *image_hits;		/* per k: image queries of rank <= k (caller's array) */
	int64_t	   *text_hits;		/* per k: text queries of rank <= k (caller's array) */
	double		image_median_rank;	/* NAN without queries */
	double		text_median_rank;
	double		image_mrr;		/* mean reciprocal rank; NAN without queries */
	double		text_mrr;
	int64_t		image_r1;		/* image queries of rank 1 */
	int64_t		text_r1;
} TeRetrievalResult;

/*
 * Retrieval between n_image images and n_text texts, rows of dim doubles,
 * each L2-normalised by the caller.  With image_id and text_id NULL the
 * input is paired: n_image == n_text and text i is the one correct answer of
 * image i (and the reverse).  Otherwise a text is correct for an image when
 * their ids are equal; a query without any correct answer is not scored.
 * ks[0..nks) are the cut-offs of the hit counts.
 */
TeStatus	te_retrieval(TeEnv *env, const double *image, const int64_t *image_id, int64_t n_image,
						 const double *text, const int64_t *text_id, int64_t n_text, int dim,
						 const int32_t *ks, int nks, TeRetrievalResult *out);

/*
 * The ranks of the correct classes labels[0..n) (0-based) of n normalised
 * embeddings x (rows of dim) among n_classes normalised prompts (rows of
 * dim): rank[i] = 1 + the number of other classes whose cosine with x_i is
 * at least the correct one's.  Cosines are index-order double dot products;
 * the blocked dgemm decides every comparison it is sure of and the rest are
 * recomputed in index order, so the ranks equal those of the plain loop.
 * Statuses: TE_NOMEM, TE_CANCELLED.
 */
TeStatus	te_zero_shot_ranks(TeEnv *env, const double *x, int64_t n, const double *prompts,
							   int n_classes, int dim, const int32_t *labels, int64_t *rank);

#endif							/* TOPEMBED_RETRIEVAL_H */
