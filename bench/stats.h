// Order statistics for benchmark samples.
#pragma once

#include <vector>

namespace svm::bench {

// Returns the median of `samples` (the mean of the two middle values for an even count), or 0 for
// an empty vector.
double median(std::vector<double> samples);

// Returns the nearest-rank `p`-th percentile (0 < p <= 100) of `samples`: the smallest sample
// with at least p% of the samples at or below it; 0 for an empty vector.
double percentile(std::vector<double> samples, double p);

// Returns the smallest sample, or 0 for an empty vector.
double minimum(const std::vector<double>& samples);

}  // namespace svm::bench
