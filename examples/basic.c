/*
 * basic.c - the README's example: W1 between two weighted point clouds in the
 * plane, its optimal plan and the certificate that proves it optimal.
 * Build: cc basic.c $(pkg-config --cflags --libs wass)
 */
#include <stdio.h>
#include <wass.h>

int main(void) {
    /* two signatures: 3 points of mass 1/3 and 2 points of mass 1/2 */
    const double X[] = {0, 0, 1, 0, 0, 1};
    const double Y[] = {2, 0, 0, 2};
    const double a[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    const double b[] = {0.5, 0.5};

    wass_problem pb = {.n = 3,
                       .m = 2,
                       .a = a,
                       .b = b,
                       .cost = wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
    wass_result res;
    wass_error_info err;
    int rc = wass_emd(&pb, NULL, &res, &err); /* NULL options: the defaults */
    if (rc != WASS_OK) {
        fprintf(stderr, "wass_emd: %s: %s\n", wass_strerror(rc), err.message);
        wass_result_free(&res);
        return 2;
    }
    printf("status %s, W1 = %.6f\n", wass_status_string(res.status), res.distance);
    for (size_t k = 0; k < res.plan_len; k++)
        printf("  move %.4f from X[%zu] to Y[%zu]\n", res.plan[k].mass, res.plan[k].i,
               res.plan[k].j);
    printf("certificate: marginal error %.1e, min reduced cost %.1e, duality gap %.1e\n",
           res.cert.marginal_error, res.cert.min_reduced_cost, res.cert.duality_gap);
    int ok = res.status == WASS_OPTIMAL;
    wass_result_free(&res);
    return ok ? 0 : 1;
}
