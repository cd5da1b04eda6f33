/*
 * eigen.h - interruptible symmetric eigen-solves through LAPACK
 *
 * A single LAPACK driver call (dsyevd) cannot be interrupted, and at 4096
 * dimensions it runs for seconds.  te_sym_eigen therefore drives LAPACK's
 * blocked Householder tridiagonalisation itself, one panel of columns at a
 * time (dlatrd + dsyr2k, then dsytd2 for the last columns, exactly the steps
 * of dsytrd), checking for interrupts between panels; the eigenvalues of the
 * tridiagonal matrix come from dsterf (as in dsyevd), the eigenvectors of
 * the k largest from dstemr, carried back with dormtr.
 */
#ifndef TOPEMBED_EIGEN_H
#define TOPEMBED_EIGEN_H

#include "topembed/common.h"

/*
 * Eigen-decompose the symmetric d x d matrix whose upper triangle is in A
 * (column-major, leading dimension d; A is destroyed).  Writes the d
 * eigenvalues in descending order to w.  With k > 0 also writes the unit
 * eigenvectors of the k largest eigenvalues as the columns of V (d x k,
 * column-major), in the same order, each with its largest-magnitude
 * component positive (the first such component on ties).
 */
TeStatus	te_sym_eigen(TeEnv *env, int d, double *A, double *w, int k, double *V);

#endif							/* TOPEMBED_EIGEN_H */
