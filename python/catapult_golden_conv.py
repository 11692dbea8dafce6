"""numpy replay of catapult's convolutional models (cnn and wrn) for catapult_golden.py.

The layers are those of src/models/layers.ts: conv (TensorFlow SAME or VALID padding, k×k, stride 1 or 2),
relu, tanh, maxpool:K and avgpool:K (K×K windows, stride K, VALID), gap (mean over H×W), bn (batch norm with
the batch's own statistics over (N, H, W), biased variance, eps 1e-5, no running statistics), flatten (C
order) and dense, and the pre-activation residual blocks of WRN-D-K. Activations are NCHW; the parameters are
named W0, b0, W1, b1, … in layer order (a batch norm's scale γ is W_l, its shift β is b_l), conv weights have
shape (out, in, kh, kw) and dense weights (out, in), as in the golden files.

NTK parameterization: h = σ_w/√fan_in · (W ⋆ a) + σ_b·b with W, b ~ N(0, 1) and fan_in = in·kh·kw (dense: in);
standard: h = W ⋆ a + b with W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²). γ starts at 1 and β at 0 and draw nothing
from the RandomState stream (`Spec.constant`).

The layers, each with its forward pass and hand-derived backward pass, are in catapult_golden_conv_layers.py;
this module turns an --arch spec or a WRN's depth and widening into them and lays out the parameters. Only numpy
and the standard library are used. catapult_golden.build_model imports this module lazily for kind cnn and wrn.
"""
import json
import math

from catapult_golden_conv_layers import (_AvgPool, _BatchNorm, _Conv, _Dense, _Flatten, _GlobalAvgPool, _MaxPool,
                                         _Relu, _Residual, _Sequence, _Tanh, conv_geometry)
from catapult_golden_conv_layers import BN_EPS, col2im, im2col  # noqa: F401 (re-exported)

TOKENS = 'conv:C[:same|valid][:k<size>][:s<stride>], relu, tanh, maxpool:K, avgpool:K, gap, bn, flatten, dense:N'


class Spec:
    """One parameter: name, shape, the std of its N(0, std²) initialization, or a constant it starts at."""

    def __init__(self, name, shape, std, constant=None):
        self.name, self.shape, self.std, self.constant = name, tuple(shape), float(std), constant

    def __repr__(self):
        return 'Spec(%r, %r, std=%r%s)' % (self.name, self.shape, self.std, '' if self.constant is None else ', constant=%r' % self.constant)


# ---------------------------------------------------------------------------------------------------
# Layer lists: the --arch spec of a cnn, the blocks of a WRN (as parseArch and wrnLayers in layers.ts)


def parse_arch(spec, error=ValueError):
    """The layers of a comma-separated --arch spec, as dicts {'kind': …} like the engine's Layer objects."""
    def positive(token, text):
        if not text.isdigit() or not 1 <= int(text) <= 10 ** 6:
            raise error("--arch: '%s' needs a positive integer, got '%s'" % (token, text))
        return int(text)

    layers = []
    for token in (t.strip() for t in str(spec).split(',')):
        if token == '':
            raise error("--arch: empty layer in '%s' (tokens: %s)" % (spec, TOKENS))
        name, *args = token.split(':')
        if name in ('relu', 'tanh', 'gap', 'bn', 'flatten') and not args:
            layers.append({'kind': name})
        elif name in ('maxpool', 'avgpool', 'dense') and len(args) == 1:
            v = positive(token, args[0])
            layers.append({'kind': 'dense', 'n': v} if name == 'dense' else {'kind': name, 'k': v})
        elif name == 'conv' and args:
            layer = {'kind': 'conv', 'channels': positive(token, args[0]), 'padding': 'same', 'k': 3, 'stride': 1}
            for a in args[1:]:
                if a in ('same', 'valid'):
                    layer['padding'] = a
                elif a[:1] == 'k' and a[1:].isdigit():
                    layer['k'] = positive(token, a[1:])
                elif a in ('s1', 's2'):
                    layer['stride'] = int(a[1:])
                else:
                    raise error("--arch: '%s': unknown conv option '%s' (same, valid, k<size>, s1 or s2)" % (token, a))
            layers.append(layer)
        else:
            raise error("--arch: unknown layer '%s' (tokens: %s)" % (token, TOKENS))
    return layers


def wrn_layers(depth, widen, outputs, error=ValueError):
    """WRN-D-K, pre-activation (Zagoruyko & Komodakis 2016): conv3×3 to 16 channels; three groups of n = (D − 4)/6
    blocks of 16K, 32K, 64K channels, the first block of a group with stride 1, 2, 2; bn, relu, gap, dense. A block:
    p = relu(bn(x)); out = conv3×3(relu(bn(conv3×3_stride(p)))) + (x, or a 1×1 conv_stride(p) where channels or size change)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 10 or (depth - 4) % 6:
        raise error('the depth of a WRN must be 6n + 4 with n >= 1 (10, 16, 22, 28, …), got %s' % json.dumps(depth))
    if isinstance(widen, bool) or not isinstance(widen, int) or widen < 1:
        raise error('config.model.widen must be a positive integer, got %s' % json.dumps(widen))
    conv = lambda channels, k, stride: {'kind': 'conv', 'channels': channels, 'k': k, 'stride': stride, 'padding': 'same'}
    layers, channels = [conv(16, 3, 1)], 16
    for g, group_stride in enumerate((1, 2, 2)):
        out = 16 * widen * 2 ** g
        for j in range((depth - 4) // 6):
            stride = group_stride if j == 0 else 1
            main = [conv(out, 3, stride), {'kind': 'bn'}, {'kind': 'relu'}, conv(out, 3, 1)]
            projection = conv(out, 1, stride) if channels != out or stride != 1 else None
            layers.append({'kind': 'residual', 'pre': [{'kind': 'bn'}, {'kind': 'relu'}], 'main': main, 'projection': projection})
            channels = out
    return layers + [{'kind': 'bn'}, {'kind': 'relu'}, {'kind': 'gap'}, {'kind': 'dense', 'n': outputs}]


class ConvNet:
    """A cnn (layers from config.model.arch) or wrn (config.model.depth, widen) on images of config.model.inputShape,
    with forward(params, X) -> (f, cache) and backward(params, cache, dL/df) -> gradients in specs order."""

    def __init__(self, c, error=ValueError):
        kind = c.get('kind')
        shape = c.get('inputShape')
        if not isinstance(shape, list) or len(shape) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shape):
            raise error('the %s model needs config.model.inputShape [C, H, W] (positive integers), got %s' % (kind, json.dumps(shape)))
        if shape[0] * shape[1] * shape[2] != c['inputDim']:
            raise error('config.model.inputShape %s has %d values but inputDim is %d' % (shape, shape[0] * shape[1] * shape[2], c['inputDim']))
        self.param = c.get('param')
        if self.param not in ('ntk', 'standard'):
            raise error('config.model.param must be ntk|standard, got %s' % json.dumps(self.param))
        from catapult_golden_models import sigmas
        self.sigma_w, self.sigma_b = (float(v) for v in sigmas(c, c.get('sigmaW'), c.get('sigmaB'), error))
        if kind == 'cnn':
            if not isinstance(c.get('arch'), str):
                raise error('the cnn model needs config.model.arch, got %s' % json.dumps(c.get('arch')))
            layers = parse_arch(c['arch'], error)
        else:
            layers = wrn_layers(c.get('depth'), c.get('widen', 1), c['outputs'], error)
        self.error, self.specs, self.input_shape = error, [], tuple(shape)
        self.net = self._sequence(layers, self.input_shape)
        if len(self.net.out) != 1:
            raise error('the network must end in features (flatten or gap, then dense), not an image %s' % (self.net.out,))
        self.outputs = self.net.out[0]
        if self.outputs != c['outputs']:
            raise error('the layers end in %d outputs but config.model.outputs is %d' % (self.outputs, c['outputs']))

    def _weights(self, shape, fan_in):
        """Appends (W_l, b_l) to the specs and returns W_l's index."""
        l = len(self.specs) // 2
        std_w, std_b = (1.0, 1.0) if self.param == 'ntk' else (self.sigma_w / math.sqrt(fan_in), self.sigma_b)
        self.specs += [Spec('W%d' % l, shape, std_w), Spec('b%d' % l, (shape[0],), std_b)]
        return 2 * l

    def _multipliers(self, fan_in):
        """(alpha, beta): σ_w/√fan_in and σ_b in the NTK parameterization, (1, 1) in the standard one."""
        return (self.sigma_w / math.sqrt(fan_in), self.sigma_b) if self.param == 'ntk' else (1, 1)

    def _node(self, layer, s):
        kind, err = layer['kind'], self.error
        if kind in ('conv', 'maxpool', 'avgpool', 'gap', 'flatten', 'bn') and len(s) != 3:
            raise err('%s needs an image (C, H, W) input, got features %s; put it before flatten/gap' % (kind, s))
        if kind == 'conv':
            C, H, W = s
            oH, oW, _, _ = conv_geometry(H, W, layer['k'], layer['stride'], layer['padding'])
            if oH < 1 or oW < 1:
                raise err('a %d×%d VALID conv does not fit a %d×%d input' % (layer['k'], layer['k'], H, W))
            index = self._weights((layer['channels'], C, layer['k'], layer['k']), C * layer['k'] ** 2)
            return _Conv(layer, s, index, self._multipliers)
        if kind == 'dense':
            if len(s) != 1:
                raise err('dense needs features, got an image %s; put flatten or gap before it' % (s,))
            return _Dense(layer, s, self._weights((layer['n'], s[0]), s[0]), self._multipliers)
        if kind == 'bn':
            l = len(self.specs) // 2
            self.specs += [Spec('W%d' % l, (s[0],), 0.0, 1.0), Spec('b%d' % l, (s[0],), 0.0, 0.0)]
            return _BatchNorm(s, 2 * l)
        if kind in ('maxpool', 'avgpool'):
            if s[1] < layer['k'] or s[2] < layer['k']:
                raise err('%s:%d does not fit a %d×%d input' % (kind, layer['k'], s[1], s[2]))
            return (_MaxPool if kind == 'maxpool' else _AvgPool)(layer['k'], s)
        if kind == 'residual':
            pre = self._sequence(layer['pre'], s)
            main = self._sequence(layer['main'], pre.out)
            projection = self._node(layer['projection'], pre.out) if layer['projection'] else None
            if main.out != (projection.out if projection else s):
                raise err('residual branches differ: %s and %s' % (main.out, projection.out if projection else s))
            return _Residual(pre, main, projection)
        return {'relu': _Relu, 'tanh': _Tanh, 'gap': _GlobalAvgPool, 'flatten': _Flatten}[kind](s)

    def _sequence(self, layers, s):
        nodes = []
        for layer in layers:
            nodes.append(self._node(layer, s))
            s = nodes[-1].out
        return _Sequence(nodes, s)

    def forward(self, params, X):
        """f (m, k) on the rows of X (m, C·H·W), each viewed as a (C, H, W) image in C order, and what backward needs."""
        return self.net.forward(params, X.reshape((X.shape[0],) + self.input_shape))

    def backward(self, params, cache, df):
        """dL/dθ for every parameter, in specs order, from dL/df (m, k)."""
        grads = [None] * len(self.specs)
        self.net.backward(params, cache, df, grads, False)
        return grads


def build_conv_model(c, error=ValueError):
    """The cnn or wrn model of a golden file's config.model; malformed settings raise `error`."""
    return ConvNet(c, error)
