/*
 * eigen.c - symmetric eigen-solves with an interrupt check between panels
 */
#include "topembed/eigen.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

/* LAPACK auxiliaries that LAPACKE does not wrap (gfortran calling convention) */
extern void dlatrd_(const char *uplo, const int *n, const int *nb, double *a, const int *lda,
					double *e, double *tau, double *w, const int *ldw, size_t uplo_len);
extern void dsytd2_(const char *uplo, const int *n, double *a, const int *lda, double *d,
					double *e, double *tau, int *info, size_t uplo_len);

#define PANEL 32				/* columns reduced per panel */
#define CROSSOVER 128			/* the last columns go to the unblocked code */

/*
 * Reduce the upper triangle of A to tridiagonal form: diagonal d, super-
 * diagonal e, reflectors in A and tau (dsytrd's output layout, UPLO = 'U').
 */
static TeStatus
tridiagonalize(TeEnv *env, int n, double *A, double *d, double *e, double *tau, double *W)
{
	int			lda = n;
	int			nb = PANEL;
	int			kk,
				i,
				j,
				info = 0;
	TeStatus	st;

	if (n <= CROSSOVER)
		kk = n;
	else
		kk = n - ((n - CROSSOVER + nb - 1) / nb) * nb;

	/* panels from the last columns backwards; i is the 1-based first column */
	for (i = n - nb + 1; i >= kk + 1; i -= nb)
	{
		int			m = i + nb - 1;

		if ((st = te_check(env)) != TE_OK)
			return st;
		dlatrd_("U", &m, &nb, A, &lda, e, tau, W, &lda, 1);
		/* A(1:i-1, 1:i-1) -= V W' + W V' */
		cblas_dsyr2k(CblasColMajor, CblasUpper, CblasNoTrans, i - 1, nb,
					 -1.0, A + (size_t) (i - 1) * lda, lda, W, lda, 1.0, A, lda);
		for (j = i; j <= i + nb - 1; j++)
		{
			A[(size_t) (j - 2) + (size_t) (j - 1) * lda] = e[j - 2];
			d[j - 1] = A[(size_t) (j - 1) + (size_t) (j - 1) * lda];
		}
	}
	if ((st = te_check(env)) != TE_OK)
		return st;
	dsytd2_("U", &kk, A, &lda, d, e, tau, &info, 1);
	if (info != 0)
		return te_fail(env, TE_NUMERIC, "dsytd2 failed with info %d", info);
	return TE_OK;
}

/* flip v so that its largest-magnitude component is positive */
static void
fix_sign(double *v, int n)
{
	int			i,
				best = 0;

	for (i = 1; i < n; i++)
		if (fabs(v[i]) > fabs(v[best]))
			best = i;
	if (v[best] < 0)
		for (i = 0; i < n; i++)
			v[i] = -v[i];
}

/*
 * eigenvalues of the symmetric d x d matrix A (descending) and the
 * eigenvectors of the k largest.  Long (about 140 lines) because it is one
 * sequence of LAPACK calls (tridiagonal reduction, MRRR for k vectors with
 * its workspace query, back-transformation, or root-free QR for the values
 * alone) whose workspaces share one clean-up at the end.
 */
TeStatus
te_sym_eigen(TeEnv *env, int d, double *A, double *w, int k, double *V)
{
	double	   *diag = NULL,
			   *off = NULL,
			   *tau = NULL,
			   *W = NULL,
			   *work = NULL,
			   *Z = NULL,
			   *wz = NULL;
	int		   *iwork = NULL,
			   *isuppz = NULL;
	TeStatus	st = TE_OK;
	lapack_int	info;
	int			i;

	if (d < 1)
		return te_fail(env, TE_INVALID, "empty matrix");
	if (k < 0 || k > d)
		return te_fail(env, TE_INVALID, "k must be between 0 and %d, not %d", d, k);
	if (d == 1)
	{
		w[0] = A[0];
		if (k == 1)
			V[0] = 1.0;
		return TE_OK;
	}

	diag = te_alloc_array(env, d, sizeof(double));
	off = te_alloc_array(env, d, sizeof(double));
	tau = te_alloc_array(env, d, sizeof(double));
	W = te_alloc_array(env, (size_t) d * PANEL, sizeof(double));
	if (!diag || !off || !tau || !W)
	{
		st = te_fail(env, TE_NOMEM, "no memory for the eigen-solve of a %d x %d matrix", d, d);
		goto done;
	}
	if ((st = tridiagonalize(env, d, A, diag, off, tau, W)) != TE_OK)
		goto done;

	if (k > 0)
	{
		/* eigenvectors of the k largest eigenvalues of the tridiagonal (MRRR) */
		double		wq;
		lapack_int	iq,
					m = 0,
					lwork,
					liwork;
		lapack_logical tryrac = 1;
		double	   *dc = te_alloc_array(env, d, sizeof(double));
		double	   *ec = te_alloc_array(env, d, sizeof(double));

		wz = te_alloc_array(env, d, sizeof(double));
		Z = te_alloc_array(env, (size_t) d * k, sizeof(double));
		isuppz = te_alloc_array(env, 2 * (size_t) k, sizeof(int));
		if (!dc || !ec || !wz || !Z || !isuppz)
		{
			te_free(env, dc);
			te_free(env, ec);
			st = te_fail(env, TE_NOMEM, "no memory for %d eigenvectors of dimension %d", k, d);
			goto done;
		}
		memcpy(dc, diag, sizeof(double) * d);
		memcpy(ec, off, sizeof(double) * (d - 1));
		ec[d - 1] = 0.0;
		info = LAPACKE_dstemr_work(LAPACK_COL_MAJOR, 'V', 'I', d, dc, ec, 0.0, 0.0,
								   d - k + 1, d, &m, wz, Z, d, k, isuppz, &tryrac,
								   &wq, -1, &iq, -1);
		lwork = (lapack_int) wq;
		liwork = iq;
		work = te_alloc_array(env, lwork, sizeof(double));
		iwork = te_alloc_array(env, liwork, sizeof(int));
		if (info != 0 || !work || !iwork)
		{
			te_free(env, dc);
			te_free(env, ec);
			st = info ? te_fail(env, TE_NUMERIC, "dstemr workspace query failed (%d)", (int) info)
				: te_fail(env, TE_NOMEM, "no memory for the eigenvector workspace");
			goto done;
		}
		info = LAPACKE_dstemr_work(LAPACK_COL_MAJOR, 'V', 'I', d, dc, ec, 0.0, 0.0,
								   d - k + 1, d, &m, wz, Z, d, k, isuppz, &tryrac,
								   work, lwork, iwork, liwork);
		te_free(env, dc);
		te_free(env, ec);
		te_free(env, work);
		work = NULL;
		if (info != 0 || m != k)
		{
			st = te_fail(env, TE_NUMERIC, "dstemr failed (info %d, %d of %d vectors)", (int) info, (int) m, k);
			goto done;
		}
		if ((st = te_check(env)) != TE_OK)
			goto done;

		/* carry the vectors back: Z := Q Z */
		info = LAPACKE_dormtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', d, k, A, d, tau, Z, d, &wq, -1);
		lwork = (lapack_int) wq;
		work = te_alloc_array(env, lwork > 0 ? lwork : 1, sizeof(double));
		if (info != 0 || !work)
		{
			st = info ? te_fail(env, TE_NUMERIC, "dormtr workspace query failed (%d)", (int) info)
				: te_fail(env, TE_NOMEM, "no memory for the back-transformation");
			goto done;
		}
		info = LAPACKE_dormtr_work(LAPACK_COL_MAJOR, 'L', 'U', 'N', d, k, A, d, tau, Z, d, work, lwork);
		if (info != 0)
		{
			st = te_fail(env, TE_NUMERIC, "dormtr failed (%d)", (int) info);
			goto done;
		}
		/* ascending order from dstemr; hand them out descending */
		for (i = 0; i < k; i++)
		{
			memcpy(V + (size_t) i * d, Z + (size_t) (k - 1 - i) * d, sizeof(double) * d);
			fix_sign(V + (size_t) i * d, d);
		}
	}

	/* all eigenvalues of the tridiagonal matrix, root-free QR (as dsyevd) */
	info = LAPACKE_dsterf_work(d, diag, off);
	if (info != 0)
	{
		st = te_fail(env, TE_NUMERIC, "dsterf did not converge (%d)", (int) info);
		goto done;
	}
	for (i = 0; i < d; i++)
		w[i] = diag[d - 1 - i];

done:
	te_free(env, diag);
	te_free(env, off);
	te_free(env, tau);
	te_free(env, W);
	te_free(env, work);
	te_free(env, Z);
	te_free(env, wz);
	te_free(env, iwork);
	te_free(env, isuppz);
	return st;
}
