"""The seed README's Quick Start runs as written (only `from core import *` becomes `from cnn_scratch import *`),
on 28x28 digits, and its loss falls."""
import numpy as np
import cnn_scratch.losses
from cnn_scratch.images import load_mnist_sample

QUICK_START = '''
from cnn_scratch import *
import numpy as np

# Create a simple CNN for MNIST-like data
model = CNN()

# Add convolutional layers
model.add_layer(Conv2D(in_channels=1, out_channels=32, kernel_size=3, padding=1))
model.add_layer(ReLULayer())
model.add_layer(MaxPool2D(pool_size=2))

model.add_layer(Conv2D(in_channels=32, out_channels=64, kernel_size=3, padding=1))
model.add_layer(ReLULayer())
model.add_layer(MaxPool2D(pool_size=2))

# Add fully connected layers
model.add_layer(Flatten())
model.add_layer(Linear(input_size=64*7*7, output_size=128))
model.add_layer(ReLULayer())
model.add_layer(Dropout(dropout_rate=0.5))
model.add_layer(Linear(input_size=128, output_size=10))

# Create optimizer and loss function
optimizer = Adam(learning_rate=0.001)
loss_fn = SoftmaxCrossEntropyLoss()

# Training loop
for epoch in range(num_epochs):
    model.train()
    for batch_x, batch_y in batch_iterator(train_X, train_y, batch_size=32):
        # Forward pass
        predictions = model.forward(batch_x)
        loss = loss_fn(predictions, batch_y)
        
        # Backward pass
        grad = loss_fn.backward()
        model.backward(grad)
        
        # Update parameters
        model.update_params(optimizer)
        model.zero_grad()
'''

def test_quick_start_runs_as_written_and_learns(monkeypatch):
    X, _, y, _ = load_mnist_sample(n_train=960, n_test=40, rng=0)
    losses, forward = [], cnn_scratch.losses.SoftmaxCrossEntropyLoss.forward
    def recording(self, predictions, targets):
        losses.append(forward(self, predictions, targets)); return losses[-1]
    monkeypatch.setattr(cnn_scratch.losses.SoftmaxCrossEntropyLoss, 'forward', recording)
    ns = {'num_epochs': 1, 'train_X': X, 'train_y': y}
    exec(QUICK_START, ns)
    assert len(losses) == 30  # 960 images in batches of 32
    assert losses[0] > 2.0, losses[0]  # untrained: no better than guessing among 10 classes
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5]), (losses[:5], losses[-5:])
    assert ns['predictions'].shape == (32, 10) and ns['predictions'].dtype == np.float32
